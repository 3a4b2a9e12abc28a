package io.eggcluster.jetty.internal.master;

import java.io.IOException;
import java.io.Reader;

/**
 * Reads a child's output line by line with a bound on each line, so that a child that prints without line breaks
 * cannot fill the master's heap: a line longer than the bound keeps its first {@code max} characters and gets
 * {@link #CUT} with the number of characters left out; the rest of it is read and dropped. A line ends at
 * {@code \n}; a {@code \r} before it is dropped; the last line counts even without a line break.
 */
final class BoundedLineReader
{
    /** Appended to a line that was cut, before the number of characters dropped. */
    static final String CUT = " [egg-cluster: line cut, characters dropped: ";

    private final Reader in;
    private final int max;
    private final char[] buffer = new char[8192];
    private int position;
    private int limit;

    /**
     * @param max the most characters of a line kept
     */
    BoundedLineReader(Reader in, int max)
    {
        this.in = in;
        this.max = max;
    }

    /**
     * @return the next line, without its line break, or null at the end of the stream
     */
    String readLine() throws IOException
    {
        StringBuilder line = new StringBuilder(Math.min(max, 128));
        long dropped = 0;
        boolean any = false;
        while (true)
        {
            if (position == limit)
            {
                int read = in.read(buffer);
                if (read < 0)
                    return any ? finish(line, dropped) : null;
                position = 0;
                limit = read;
            }
            any = true;
            char c = buffer[position++];
            if (c == '\n')
                return finish(line, dropped);
            if (line.length() < max)
                line.append(c);
            else
                dropped++;
        }
    }

    private static String finish(StringBuilder line, long dropped)
    {
        if (dropped == 0 && line.length() > 0 && line.charAt(line.length() - 1) == '\r')
            line.setLength(line.length() - 1);
        else if (dropped > 0)
            line.append(CUT).append(dropped).append(']');
        return line.toString();
    }
}
