package io.eggcluster.jetty.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each default is written once, in {@link EggConfig}: the module's XML gives none, and the value the module's
 * {@code [ini-template]} documents for each property is the one Java uses.
 */
class ModuleDefaultsTest
{
    private static final Path JETTY = Path.of("..", "jetty-module", "src", "main", "jetty");

    @Test
    void theXmlGivesNoDefaultAndTheIniTemplateDocumentsJavasDefaults() throws Exception
    {
        String xml = Files.readString(JETTY.resolve("etc/egg-cluster.xml"));
        // property -> setter, from <Set name="setter"><Property name="property"/></Set>
        Map<String, String> setters = new LinkedHashMap<>();
        Matcher set = Pattern.compile("<Set name=\"(\\w+)\"><Property name=\"([\\w.]+)\"(.*?)/></Set>").matcher(xml);
        while (set.find())
        {
            assertFalse(set.group(3).contains("default"), "the XML repeats a default: " + set.group());
            setters.put(set.group(2), set.group(1));
        }
        assertTrue(setters.size() >= 15, "setters found: " + setters);

        String mod = Files.readString(JETTY.resolve("modules/egg-cluster.mod"));
        String template = mod.substring(mod.indexOf("[ini-template]"));
        Matcher documented = Pattern.compile("(?m)^# (jetty\\.egg\\.[\\w.]+)=(.*)$").matcher(template);
        EggConfig asDocumented = new EggConfig();
        int count = 0;
        while (documented.find())
        {
            String property = documented.group(1);
            if (List.of(Control.ROLE_PROPERTY, Control.WORKER_ID_PROPERTY).contains(property))
                continue; // the master's to set, not a setting
            String setter = setters.get(property);
            assertTrue(setter != null, property + " is documented but not set from the XML");
            EggConfig.class.getMethod("set" + Character.toUpperCase(setter.charAt(0)) + setter.substring(1), String.class).invoke(asDocumented, documented.group(2));
            count++;
        }
        assertEquals(setters.keySet().stream().filter(p -> p.startsWith("jetty.egg.")).count(), count,
            "every jetty.egg property the XML sets is documented once");
        asDocumented.setJettyHome("/h");
        asDocumented.setJettyBase("/b");
        EggConfig defaults = new EggConfig();
        defaults.setJettyHome("/h");
        defaults.setJettyBase("/b");
        assertEquals(defaults.validate(), asDocumented.validate(), "the documented values are Java's defaults");
    }
}
