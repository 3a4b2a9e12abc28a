package org.eclipse.jetty.util;

import java.io.IOException;
import java.time.ZonedDateTime;
import java.util.TimeZone;

/**
 * Jetty's {@link RolloverFileOutputStream} with its clock in the test's hands: opened at a given time, and rolled
 * over at another exactly as its midnight task does (a new dated file, then the old files pruned). In Jetty's
 * package for the constructor and the two steps that take the time, which are package-private there for this use.
 */
public final class SteppedRollover extends RolloverFileOutputStream
{
    public SteppedRollover(String pattern, int retainDays, TimeZone zone, ZonedDateTime now) throws IOException
    {
        super(pattern, true, retainDays, zone, null, null, now);
    }

    /** What the midnight task does, at {@code now}. */
    public void rollOverAt(ZonedDateTime now) throws IOException
    {
        setFile(now);
        removeOldFiles(now);
    }
}
