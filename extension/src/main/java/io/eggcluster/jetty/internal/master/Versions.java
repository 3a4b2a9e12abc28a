package io.eggcluster.jetty.internal.master;

import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/** The versions the status shows: this extension's, Jetty's, Hazelcast's, Java's. */
final class Versions
{
    static final Map<String, String> ALL = read();

    private Versions()
    {
    }

    private static Map<String, String> read()
    {
        Map<String, String> versions = new LinkedHashMap<>();
        versions.put("eggCluster", own());
        versions.put("jetty", org.eclipse.jetty.util.Jetty.VERSION);
        versions.put("hazelcast", com.hazelcast.instance.BuildInfoProvider.getBuildInfo().getVersion());
        versions.put("java", Runtime.version().toString());
        return java.util.Collections.unmodifiableMap(versions);
    }

    /** From the jar's Maven metadata; {@code unknown} when run from classes (tests). */
    private static String own()
    {
        try (InputStream in = Versions.class.getResourceAsStream(
            "/META-INF/maven/io.eggcluster/egg-cluster-extension/pom.properties"))
        {
            if (in == null)
                return "unknown";
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version", "unknown");
        }
        catch (Exception e)
        {
            return "unknown";
        }
    }
}
