package io.eggcluster.jetty.internal;

import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log format in every process of the cluster: Jetty's, through SLF4J and the logging module of the base. Two
 * sources would otherwise print {@code java.util.logging}'s two-line format ({@code Dec 01, 2026 9:04:08 AM ...}
 * then {@code WARNING: ...}) in the middle of Jetty's lines:
 *
 * <ul>
 *   <li>Hazelcast: its {@code hazelcast.logging.type} in a {@code Config} only covers the loggers of an instance;
 *       the loggers its classes make while they load (such as the one that checks the JVM's module access, when
 *       the member or a client first starts, or when a standby loads the client's classes) take the <em>system
 *       property</em> of that name, set here to {@code slf4j} unless the user set it or
 *       {@code hazelcast.logging.class};</li>
 *   <li>{@code java.util.logging} itself, which webapps and agent hooks may use: unless the user configured it
 *       ({@code java.util.logging.config.file} or {@code .class}), its console handler on the root logger is
 *       replaced with one that hands each record to the SLF4J logger of the same name, at the matching level
 *       (SEVERE error, WARNING warn, INFO info, CONFIG and FINE debug, below trace). java.util.logging's own levels
 *       still decide what is published (INFO and up by default).</li>
 * </ul>
 *
 * <p>{@link #install} is called first in every process: the master, the agent and the workers from
 * {@code EggCluster.install}, a standby JVM first thing in its {@code main}. It is idempotent.</p>
 */
public final class LogRouting
{
    static final String HAZELCAST_LOGGING_TYPE = "hazelcast.logging.type";
    static final String HAZELCAST_LOGGING_CLASS = "hazelcast.logging.class";

    private LogRouting()
    {
    }

    /** Routes Hazelcast's and java.util.logging's records to SLF4J, unless the user configured them otherwise. */
    public static synchronized void install()
    {
        if (isBlank(System.getProperty(HAZELCAST_LOGGING_TYPE)) && isBlank(System.getProperty(HAZELCAST_LOGGING_CLASS)))
            System.setProperty(HAZELCAST_LOGGING_TYPE, "slf4j");
        if (System.getProperty("java.util.logging.config.file") != null ||
            System.getProperty("java.util.logging.config.class") != null)
            return;
        java.util.logging.Logger root = LogManager.getLogManager().getLogger("");
        for (Handler handler : root.getHandlers())
        {
            if (handler instanceof ToSlf4j)
                return;
        }
        for (Handler handler : root.getHandlers())
        {
            if (handler instanceof ConsoleHandler)
                root.removeHandler(handler);
        }
        root.addHandler(new ToSlf4j());
    }

    private static boolean isBlank(String value)
    {
        return value == null || value.isBlank();
    }

    /** Hands a java.util.logging record to the SLF4J logger of the same name. */
    static final class ToSlf4j extends Handler
    {
        /** Only its {@link SimpleFormatter#formatMessage}: the parameters and the resource bundle filled in. */
        private final SimpleFormatter formatter = new SimpleFormatter();

        @Override
        public void publish(LogRecord record)
        {
            if (record == null)
                return;
            Logger logger = LoggerFactory.getLogger(record.getLoggerName() == null ? "java.util.logging" :
                record.getLoggerName());
            int level = record.getLevel().intValue();
            Throwable thrown = record.getThrown();
            if (level >= Level.SEVERE.intValue())
            {
                if (logger.isErrorEnabled())
                    logger.error(formatter.formatMessage(record), thrown);
            }
            else if (level >= Level.WARNING.intValue())
            {
                if (logger.isWarnEnabled())
                    logger.warn(formatter.formatMessage(record), thrown);
            }
            else if (level >= Level.INFO.intValue())
            {
                if (logger.isInfoEnabled())
                    logger.info(formatter.formatMessage(record), thrown);
            }
            else if (level >= Level.FINE.intValue())
            {
                if (logger.isDebugEnabled())
                    logger.debug(formatter.formatMessage(record), thrown);
            }
            else if (logger.isTraceEnabled())
                logger.trace(formatter.formatMessage(record), thrown);
        }

        @Override
        public void flush()
        {
        }

        @Override
        public void close()
        {
        }
    }
}
