package io.eggcluster.jetty.internal.master;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TimeZone;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import io.eggcluster.jetty.api.Role;
import io.eggcluster.jetty.internal.EggSettings;
import org.eclipse.jetty.util.RolloverFileOutputStream;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's log files (PM2's {@code ~/.pm2/logs}, Jetty's {@code console-capture}): one per process under
 * {@code ${jetty.base}/${jetty.egg.logDir}}, named by role and slot and dated, {@code master.2026_12_01.log},
 * {@code agent.2026_12_01.log}, {@code worker-1.2026_12_01.log}, ... Written through Jetty's
 * {@link RolloverFileOutputStream}: a new file at midnight (this JVM's time zone), and then the files of that name
 * older than {@code jetty.egg.logRetainDays} days deleted; the same pruning is done once at start, so a cluster
 * restarted every day prunes too.
 *
 * <ul>
 *   <li>{@code master}: the whole console stream of the master, as on its terminal: its own log lines and every
 *       child's prefixed lines ({@code System.out} and {@code System.err} are teed into it from {@link #start} to
 *       {@link #stop}; the console keeps getting everything).</li>
 *   <li>{@code agent}, {@code worker-N}: each line the slot's processes print, with its {@code [role#id:pid]}
 *       prefix: a replacement appends to its slot's file, the pid tells the processes apart. A standby JVM's lines
 *       before it takes a slot are in the master's file only.</li>
 * </ul>
 *
 * <p>Guarantees: a line is written whole, in one write (lines of two streams or two threads never interleave inside
 * a line), except a line of the master's own longer than {@link #MAX_LINE_CHARS} bytes, written in pieces of that
 * size; a child's line is at most {@link #MAX_LINE_CHARS} characters behind its prefix (longer ones are cut by the
 * reader, with a marker, see {@link BoundedLineReader}); the directory is made {@code rwxr-x---} when missing, a
 * file is {@code rw-r-----} or stricter (a file opened at start before anything is written to it; one opened at
 * midnight just after it is opened, while the directory keeps others out); files are opened on their first line
 * and closed on {@link #stop}. A file that cannot be written is logged once (naming
 * the file) and retried at most every {@value #RETRY_SECONDS} s: it never stops the cluster, and the console keeps
 * every line. With {@code jetty.egg.logDir} empty nothing is written.</p>
 */
@ManagedObject("The cluster's log files, one per process")
public final class ProcessLogs extends AbstractLifeCycle
{
    private static final Logger LOG = LoggerFactory.getLogger(ProcessLogs.class);
    /** The longest line a child's output is cut to (its reader cuts it); the master's own are written in pieces. */
    static final int MAX_LINE_CHARS = 64 * 1024;
    static final String MASTER = "master";
    private static final long RETRY_SECONDS = 10;
    /** Jetty's placeholder, replaced by the date ({@code yyyy_MM_dd}) in the file's name. */
    private static final String DATED = ".yyyy_mm_dd.log";
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy_MM_dd");
    /** The names this class writes: what the pruning at start may delete. */
    private static final Pattern OURS = Pattern.compile("(master|agent|worker-\\d+)\\.\\d{4}_\\d{2}_\\d{2}\\.log");
    private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-r-----");
    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwxr-x---");

    /** Opens the dated stream of one file: Jetty's {@link RolloverFileOutputStream} but in tests. */
    interface Opener
    {
        /**
         * @param pattern the file's path with {@code yyyy_mm_dd} where the date goes
         * @param retainDays how many days a file of this name is kept
         */
        OutputStream open(String pattern, int retainDays) throws IOException;
    }

    private final Path dir;
    private final int retainDays;
    private final Opener opener;
    private final Clock clock;
    private final Map<String, LogFile> files = new ConcurrentHashMap<>();
    private volatile boolean open;
    private PrintStream consoleOut;
    private PrintStream consoleErr;
    private PrintStream teeOut;
    private PrintStream teeErr;
    private Tee outTee;
    private Tee errTee;

    /**
     * @param dir where the files go; null: none are written
     * @param retainDays files older than this many days are deleted
     */
    ProcessLogs(Path dir, int retainDays, Opener opener, Clock clock)
    {
        this.dir = dir;
        this.retainDays = retainDays;
        this.opener = opener;
        this.clock = clock;
    }

    /**
     * @return the master's log files as {@code jetty.egg.logDir} (relative to {@code jetty.base}) and
     * {@code jetty.egg.logRetainDays} say; with an empty {@code logDir}, none
     */
    public static ProcessLogs of(EggSettings settings)
    {
        EggSettings.Operations operations = settings.operations();
        String logDir = operations.logDir();
        Path dir = logDir.isEmpty() ? null : Path.of(settings.jettyBase()).resolve(logDir).toAbsolutePath().normalize();
        return new ProcessLogs(dir, operations.logRetainDays(), Rolling::new, Clock.systemDefaultZone());
    }

    /** @return no log files: the console only */
    static ProcessLogs none()
    {
        return new ProcessLogs(null, 1, Rolling::new, Clock.systemDefaultZone());
    }

    @ManagedAttribute("The directory of the log files; null when there are none (jetty.egg.logDir empty)")
    public String getDirectory()
    {
        return dir == null ? null : dir.toString();
    }

    @ManagedAttribute("jetty.egg.logRetainDays")
    public int getRetainDays()
    {
        return retainDays;
    }

    /**
     * Makes the directory, prunes old files and tees the console into the master's file. A directory that cannot
     * be made is logged, and the cluster runs without files.
     */
    @Override
    protected void doStart()
    {
        if (dir == null)
            return;
        try
        {
            if (!Files.isDirectory(dir))
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
        }
        catch (IOException | UnsupportedOperationException e)
        {
            LOG.warn("no log files: cannot make the directory {} (jetty.egg.logDir): {}", dir, e.toString());
            return;
        }
        prune();
        open = true;
        consoleOut = System.out;
        consoleErr = System.err;
        LogFile master = file(MASTER);
        outTee = new Tee(consoleOut, master);
        errTee = new Tee(consoleErr, master);
        teeOut = new PrintStream(outTee, true, consoleCharset());
        teeErr = new PrintStream(errTee, true, consoleCharset());
        System.setOut(teeOut);
        System.setErr(teeErr);
        LOG.info("log files in {}: master, agent, worker-N (a new file each day; files older than {} days deleted; " +
            "jetty.egg.logDir, jetty.egg.logRetainDays)", dir, retainDays);
    }

    /** The console gets its own streams back (unless someone replaced ours since); the files are closed. */
    @Override
    protected void doStop()
    {
        open = false;
        if (teeOut != null && System.out == teeOut)
            System.setOut(consoleOut);
        if (teeErr != null && System.err == teeErr)
            System.setErr(consoleErr);
        teeOut = null;
        teeErr = null;
        files.values().forEach(LogFile::close);
        files.clear();
    }

    /**
     * {@code jetty.egg.logConsole=until-ready}, at egg-ready: from now on the master's console gets only what its
     * log file cannot take (a write that fails); everything else goes to the files alone. Without files, nothing
     * changes.
     */
    public void quietConsole()
    {
        if (outTee == null || !open)
            return;
        LOG.info("egg-ready: from now on the master's output goes to {} only (jetty.egg.logConsole=until-ready)",
            dir.resolve(todaysFile(MASTER)));
        System.out.flush();
        System.err.flush();
        outTee.toConsole = false;
        errTee.toConsole = false;
    }

    /**
     * Writes one line a child printed (with its prefix) to its slot's file.
     *
     * @param role the child's role (the agent or a worker)
     * @param id its slot
     * @param line the line as the master prints it, {@code [role#id:pid] ...}
     */
    void child(Role role, int id, String line)
    {
        if (!open)
            return;
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        file(slotName(role, id)).write(bytes, 0, bytes.length);
    }

    /** @return {@code agent}, {@code worker-3}, the name of a slot's file */
    static String slotName(Role role, int id)
    {
        return role == Role.WORKER ? "worker-" + id : role.id();
    }

    /** @return the file name today's {@code name} file has, e.g. {@code worker-1.2026_12_01.log} */
    String todaysFile(String name)
    {
        return name + "." + LocalDate.now(clock).format(DATE) + ".log";
    }

    private LogFile file(String name)
    {
        return files.computeIfAbsent(name, LogFile::new);
    }

    /** Deletes this class's files older than retainDays: Jetty's rule (by modification time), at start. */
    private void prune()
    {
        FileTime expired = FileTime.from(clock.instant().minus(Duration.ofDays(retainDays)));
        List<Path> deleted = new ArrayList<>();
        try (DirectoryStream<Path> all = Files.newDirectoryStream(dir))
        {
            for (Path path : all)
            {
                if (OURS.matcher(path.getFileName().toString()).matches() &&
                    Files.getLastModifiedTime(path).compareTo(expired) < 0 && Files.deleteIfExists(path))
                    deleted.add(path.getFileName());
            }
        }
        catch (IOException e)
        {
            LOG.warn("cannot prune the log files in {}: {}", dir, e.toString());
        }
        if (!deleted.isEmpty())
            LOG.info("deleted {} log file(s) older than {} days (jetty.egg.logRetainDays): {}", deleted.size(),
                retainDays, deleted);
    }

    private static Charset consoleCharset()
    {
        String name = System.getProperty("stdout.encoding", System.getProperty("sun.stdout.encoding"));
        try
        {
            return name == null ? Charset.defaultCharset() : Charset.forName(name);
        }
        catch (RuntimeException e)
        {
            return Charset.defaultCharset();
        }
    }

    /**
     * Makes {@code path} {@code rw-r-----} or stricter: what the umask allowed, less anything beyond that.
     */
    static void restrict(Path path)
    {
        try
        {
            Set<PosixFilePermission> mode = EnumSet.copyOf(Files.getPosixFilePermissions(path));
            if (mode.retainAll(FILE_MODE))
                Files.setPosixFilePermissions(path, mode);
        }
        catch (IOException | UnsupportedOperationException | IllegalArgumentException e)
        {
            LOG.debug("cannot restrict the mode of {}: {}", path, e.toString());
        }
    }

    /** One log file: opened on its first line, written a whole line at a time. */
    private final class LogFile
    {
        private final String name;
        private OutputStream out;
        private boolean failed;
        private long retryAtNanos;

        LogFile(String name)
        {
            this.name = name;
        }

        /**
         * Writes {@code bytes[offset, offset + length)} and a line break, whole, unless the logs are closed.
         *
         * @return false when the line was not written (the logs are closed, or the file failed)
         */
        boolean write(byte[] bytes, int offset, int length)
        {
            IOException failure = null;
            synchronized (this)
            {
                if (!open)
                    return false;
                try
                {
                    if (out == null)
                    {
                        if (failed && System.nanoTime() - retryAtNanos < 0)
                            return false;
                        out = open();
                    }
                    out.write(bytes, offset, length);
                    out.write('\n');
                    // the line and its break in one write (of the buffer), before the next line or thread
                    out.flush();
                }
                catch (IOException | RuntimeException e)
                {
                    close();
                    retryAtNanos = System.nanoTime() + Duration.ofSeconds(RETRY_SECONDS).toNanos();
                    if (!failed)
                        failure = e instanceof IOException io ? io : new IOException(e);
                    failed = true;
                }
            }
            // outside the lock: this line goes to the console, and to the master's file when that is not this one
            if (failure != null)
                LOG.warn("cannot write the log file {} (jetty.egg.logDir); the cluster goes on, the console has every " +
                    "line; said once: {}", dir.resolve(todaysFile(name)), failure.toString());
            return failure == null && out != null;
        }

        private OutputStream open() throws IOException
        {
            Path today = dir.resolve(todaysFile(name));
            if (!Files.exists(today))
            {
                try
                {
                    Files.createFile(today, PosixFilePermissions.asFileAttribute(FILE_MODE));
                }
                catch (UnsupportedOperationException e)
                {
                    // not a POSIX file system: the rolling stream makes it
                }
                catch (java.nio.file.FileAlreadyExistsException e)
                {
                    // made meanwhile by someone else: restricted below
                }
            }
            restrict(today);
            return new BufferedOutputStream(opener.open(dir.resolve(name + DATED).toString(), retainDays), 8192);
        }

        synchronized void close()
        {
            if (out == null)
                return;
            try
            {
                out.close();
            }
            catch (IOException e)
            {
                LOG.debug("closing the log file {}: {}", name, e.toString());
            }
            out = null;
        }
    }

    /**
     * One of the master's console streams: every byte goes on to the console at once; each whole line also goes
     * to the master's file (a line longer than {@link #MAX_LINE_CHARS} bytes is written in pieces).
     */
    private static final class Tee extends OutputStream
    {
        private final PrintStream console;
        private final LogFile file;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        /** Everything goes to the console too; once false, only the lines the file could not take. */
        volatile boolean toConsole = true;

        Tee(PrintStream console, LogFile file)
        {
            this.console = console;
            this.file = file;
        }

        @Override
        public synchronized void write(int b)
        {
            if (toConsole)
                console.write(b);
            take(b);
        }

        @Override
        public synchronized void write(byte[] bytes, int offset, int length)
        {
            if (toConsole)
                console.write(bytes, offset, length);
            int end = offset + length;
            int start = offset;
            for (int i = offset; i < end; i++)
            {
                if (bytes[i] == '\n' || line.size() + (i - start) >= MAX_LINE_CHARS)
                {
                    line.write(bytes, start, i - start);
                    take(bytes[i]);
                    start = i + 1;
                }
            }
            line.write(bytes, start, end - start);
        }

        private void take(int b)
        {
            if (b == '\n')
            {
                int end = line.size();
                byte[] bytes = line.toByteArray();
                if (end > 0 && bytes[end - 1] == '\r')
                    end--;
                toFile(bytes, end);
                line.reset();
                return;
            }
            line.write(b);
            if (line.size() >= MAX_LINE_CHARS)
            {
                toFile(line.toByteArray(), line.size());
                line.reset();
            }
        }

        /** A line to the file; to the console instead when the console is quiet and the file did not take it. */
        private void toFile(byte[] bytes, int length)
        {
            if (!file.write(bytes, 0, length) && !toConsole)
            {
                console.write(bytes, 0, length);
                console.write('\n');
            }
        }

        @Override
        public void flush()
        {
            console.flush();
        }
    }

    /**
     * Jetty's rolling file, appending, in this JVM's time zone; each new file is made {@code rw-r-----} or stricter
     * as soon as it is opened (at midnight that is just after its first line may be written: the directory, made
     * {@code rwxr-x---}, keeps others out meanwhile).
     */
    private static final class Rolling extends RolloverFileOutputStream
    {
        Rolling(String pattern, int retainDays) throws IOException
        {
            super(pattern, true, retainDays, TimeZone.getDefault());
        }

        @Override
        protected void rollover(java.io.File oldFile, java.io.File backupFile, java.io.File newFile)
        {
            restrict(newFile.toPath());
        }
    }
}
