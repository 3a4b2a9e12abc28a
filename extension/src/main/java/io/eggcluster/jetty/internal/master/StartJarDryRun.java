package io.eggcluster.jetty.internal.master;

import java.lang.reflect.InvocationTargetException;
import java.util.List;
import java.util.Set;

/**
 * {@code start.jar --dry-run}, run inside the master's JVM: the master was started by {@code start.jar}, whose
 * classes ({@code org.eclipse.jetty.start}) are on this JVM's system class path, already loaded and compiled. The
 * same three steps as start.jar's own {@code Main.start} for {@code --dry-run}: {@code processCommandLine} (the
 * base's {@code start.d}, its modules and jars, read afresh), {@code StartArgs.getMainArgs(dryRunParts)} (which writes
 * the properties to the {@code --exec-properties} file) and {@code toCommandLine()}, which is what start.jar prints.
 * It saves a JVM and ~1.2 s of CPU at every start (issue 13), and lets the agent start without start.jar too.
 *
 * <p>Reflection, because start.jar is not a Maven artifact of this build (the class path at run time has it); when
 * its classes are not there or have changed shape, {@link #available} says no and the caller forks start.jar.</p>
 */
final class StartJarDryRun
{
    private static final String MAIN = "org.eclipse.jetty.start.Main";
    /** start.jar keeps static state (its log): one dry run at a time in this JVM. */
    private static final Object LOCK = new Object();

    private StartJarDryRun()
    {
    }

    /** @return whether start.jar's classes are on this JVM's system class path */
    static boolean available()
    {
        try
        {
            Class.forName(MAIN, false, ClassLoader.getSystemClassLoader());
            return true;
        }
        catch (ClassNotFoundException | LinkageError e)
        {
            return false;
        }
    }

    /**
     * @param startArgs the arguments start.jar would get after {@code -jar start.jar}, {@code --dry-run} and
     *                  {@code --exec-properties=FILE} among them
     * @return what {@code start.jar --dry-run} would print
     * @throws IllegalArgumentException when start.jar refuses the arguments or the base (its message, which names
     *                                  the module, file or argument), or its classes are not the expected shape
     */
    static String print(List<String> startArgs)
    {
        synchronized (LOCK)
        {
            try
            {
                Class<?> mainClass = Class.forName(MAIN, true, ClassLoader.getSystemClassLoader());
                Object main = mainClass.getConstructor().newInstance();
                Object args = mainClass.getMethod("processCommandLine", String[].class)
                    .invoke(main, (Object)startArgs.toArray(new String[0]));
                Object parts = args.getClass().getMethod("getDryRunParts").invoke(args);
                Object command = args.getClass().getMethod("getMainArgs", Set.class).invoke(args, parts);
                return (String)command.getClass().getMethod("toCommandLine").invoke(command);
            }
            catch (InvocationTargetException e)
            {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                throw new IllegalArgumentException(cause.getMessage() != null ? cause.getMessage() : cause.toString(),
                    cause);
            }
            catch (ReflectiveOperationException | ClassCastException | LinkageError e)
            {
                throw new IllegalArgumentException("start.jar's classes in this JVM are not the expected shape: " + e, e);
            }
        }
    }
}
