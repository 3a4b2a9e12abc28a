import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The floor under the messenger's direct copies: a 4-byte ping-pong over a loopback TCP socket between two JVMs,
 * 4 rounds of 10,000 sequential round trips, each printed as p50 / p99 / p99.9 / max in microseconds.
 * Run from the repository's root: {@code java it/scripts/LoopbackPingPong.java} (it starts its own second JVM).
 */
public class LoopbackPingPong
{
    public static void main(String[] args) throws Exception
    {
        if (args.length == 1)
        {
            serve(Integer.parseInt(args[0]));
            return;
        }
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            int port = probe.getLocalPort();
            probe.close();
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process echo = new ProcessBuilder(java, "it/scripts/LoopbackPingPong.java", String.valueOf(port)).inheritIO().start();
            try
            {
                Socket connected = null;
                for (int i = 0; i < 200 && connected == null; i++)
                {
                    try
                    {
                        connected = new Socket(InetAddress.getLoopbackAddress(), port);
                    }
                    catch (java.net.ConnectException notYet)
                    {
                        Thread.sleep(50);
                    }
                }
                if (connected == null)
                    throw new IllegalStateException("the echo JVM did not listen on port " + port);
                try (Socket socket = connected)
                {
                    socket.setTcpNoDelay(true);
                    DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
                    DataOutputStream out = new DataOutputStream(socket.getOutputStream());
                    for (int round = 1; round <= 4; round++)
                    {
                        long[] micros = new long[10_000];
                        for (int i = 0; i < micros.length; i++)
                        {
                            long t0 = System.nanoTime();
                            out.writeInt(i);
                            out.flush();
                            if (in.readInt() != i)
                                throw new IllegalStateException("wrong echo");
                            micros[i] = (System.nanoTime() - t0) / 1000;
                        }
                        Arrays.sort(micros);
                        System.out.printf("round %d: p50 %d us, p99 %d us, p99.9 %d us, max %d us%n", round, micros[5000],
                            micros[9900], micros[9990], micros[9999]);
                    }
                }
            }
            finally
            {
                echo.destroy();
                echo.waitFor();
            }
        }
    }

    private static void serve(int port) throws Exception
    {
        try (ServerSocket server = new ServerSocket(port, 1, InetAddress.getLoopbackAddress());
             Socket socket = server.accept())
        {
            socket.setTcpNoDelay(true);
            DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            while (true)
            {
                out.writeInt(in.readInt());
                out.flush();
            }
        }
        catch (EOFException | java.net.SocketException done)
        {
            // the measuring JVM closed the connection
        }
    }
}
