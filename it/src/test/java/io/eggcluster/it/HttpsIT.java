package io.eggcluster.it;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every connector of a worker shares its port: with the https module, both workers answer on the TLS port. */
class HttpsIT
{
    private static final String PASSWORD = "storepass-" + System.nanoTime();

    @Test
    void bothWorkersAnswerOnTheTlsPort() throws Exception
    {
        int tlsPort = Cluster.freePort();
        try (Cluster cluster = Cluster.start("https", HttpsIT::enableHttps, "jetty.egg.workers=2",
            "jetty.egg.standby=false", "jetty.ssl.host=127.0.0.1", "jetty.ssl.port=" + tlsPort))
        {
            Cluster.EggReady ready = cluster.awaitEggReady();
            assertTrue(cluster.output().contains("https://127.0.0.1:" + tlsPort + "/"), "the egg-ready line names it");
            Set<Long> answered = new HashSet<>();
            for (int i = 0; i < 200 && answered.size() < 2; i++)
                answered.add(pidOverTls(tlsPort));
            assertEquals(new HashSet<>(ready.workerPids()), answered);
            assertTrue(!cluster.output().contains(PASSWORD), "the keystore password is not in the log");
        }
    }

    /** A keystore made here, and the https module with its password in start.d (not on any command line). */
    private static void enableHttps(Path base)
    {
        try
        {
            Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
            Process process = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "jetty", "-keyalg", "RSA",
                "-keysize", "2048", "-dname", "CN=localhost", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", base.resolve("etc/keystore.p12").toString(), "-storepass", PASSWORD, "-keypass", PASSWORD)
                .redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.waitFor() != 0)
                throw new AssertionError("keytool failed: " + output);
            Files.writeString(base.resolve("start.d/https.ini"), "--module=https\n" +
                "jetty.sslContext.keyStorePassword=" + PASSWORD + "\njetty.ssl.sniHostCheck=false\n");
        }
        catch (Exception e)
        {
            throw new AssertionError(e);
        }
    }

    private static long pidOverTls(int port) throws Exception
    {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new X509TrustManager()
        {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType)
            {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType)
            {
                // the test's own self-signed certificate
            }

            @Override
            public X509Certificate[] getAcceptedIssuers()
            {
                return new X509Certificate[0];
            }
        }}, null);
        try (SSLSocket socket = (SSLSocket)context.getSocketFactory().createSocket())
        {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write("GET /pid HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            Matcher pid = Pattern.compile("\"pid\":(\\d+)").matcher(response);
            assertTrue(response.startsWith("HTTP/1.1 200") && pid.find(), response);
            return Long.parseLong(pid.group(1));
        }
    }
}
