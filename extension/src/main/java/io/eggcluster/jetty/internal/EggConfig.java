package io.eggcluster.jetty.internal;

import java.util.ArrayList;
import java.util.List;

import io.eggcluster.jetty.api.Role;

/**
 * The {@code jetty.egg.*} properties, set from {@code etc/egg-cluster.xml}.
 *
 * <p>Setters take the raw text of a property so that a bad value fails with a message naming the property and the
 * value, not with a bare {@link NumberFormatException} from the XML layer. {@link #validate()} checks everything at
 * once and reports every culprit.</p>
 */
public class EggConfig
{
    static final String WORKERS = "jetty.egg.workers";
    static final String ROLE = "jetty.egg.role";
    static final String WORKER_ID = "jetty.egg.workerId";
    static final String AGENT_START_TIMEOUT = "jetty.egg.agentStartTimeout";
    static final String WORKER_START_TIMEOUT = "jetty.egg.workerStartTimeout";
    static final String STOP_TIMEOUT = "jetty.egg.stopTimeout";
    static final String RESTART_LIMIT = "jetty.egg.restartLimit";
    static final String RESTART_WINDOW = "jetty.egg.restartWindow";

    private String role = "master";
    private String workerId = "0";
    private String workers = "auto";
    private String agentStartTimeout = "60000";
    private String workerStartTimeout = "60000";
    private String stopTimeout = "5000";
    private String restartLimit = "60";
    private String restartWindow = "60000";
    private String jvmArgs = "";
    private String jettyHome;
    private String jettyBase;

    public void setRole(String role)
    {
        this.role = role;
    }

    public void setWorkerId(String workerId)
    {
        this.workerId = workerId;
    }

    public void setWorkers(String workers)
    {
        this.workers = workers;
    }

    public void setAgentStartTimeout(String ms)
    {
        this.agentStartTimeout = ms;
    }

    public void setWorkerStartTimeout(String ms)
    {
        this.workerStartTimeout = ms;
    }

    public void setStopTimeout(String ms)
    {
        this.stopTimeout = ms;
    }

    public void setRestartLimit(String count)
    {
        this.restartLimit = count;
    }

    public void setRestartWindow(String ms)
    {
        this.restartWindow = ms;
    }

    public void setJvmArgs(String jvmArgs)
    {
        this.jvmArgs = jvmArgs;
    }

    public void setJettyHome(String jettyHome)
    {
        this.jettyHome = jettyHome;
    }

    public void setJettyBase(String jettyBase)
    {
        this.jettyBase = jettyBase;
    }

    /**
     * Checks every property and throws one exception naming every bad one.
     *
     * @throws IllegalArgumentException with one line per bad property: its name, its value and what is expected
     */
    public void validate()
    {
        List<String> errors = new ArrayList<>();
        for (Runnable check : List.<Runnable>of(this::role, this::workerId, this::workers, this::agentStartTimeoutMs,
            this::workerStartTimeoutMs, this::stopTimeoutMs, this::restartLimit, this::restartWindowMs))
        {
            try
            {
                check.run();
            }
            catch (IllegalArgumentException e)
            {
                errors.add(e.getMessage());
            }
        }
        if (!errors.isEmpty())
            throw new IllegalArgumentException("egg-cluster configuration: " + String.join("; ", errors));
    }

    public Role role()
    {
        try
        {
            return Role.parse(role);
        }
        catch (IllegalArgumentException e)
        {
            throw new IllegalArgumentException(ROLE + "='" + role + "' is invalid: expected master, agent or worker");
        }
    }

    public int workerId()
    {
        return integer(WORKER_ID, workerId, 0);
    }

    /**
     * @return the number of workers; {@code auto} (the default) is one per available processor, as in Egg
     */
    public int workers()
    {
        if (workers == null || workers.isBlank() || workers.trim().equalsIgnoreCase("auto"))
            return Runtime.getRuntime().availableProcessors();
        return integer(WORKERS, workers, 1);
    }

    public long agentStartTimeoutMs()
    {
        return integer(AGENT_START_TIMEOUT, agentStartTimeout, 1);
    }

    public long workerStartTimeoutMs()
    {
        return integer(WORKER_START_TIMEOUT, workerStartTimeout, 1);
    }

    public long stopTimeoutMs()
    {
        return integer(STOP_TIMEOUT, stopTimeout, 0);
    }

    public int restartLimit()
    {
        return integer(RESTART_LIMIT, restartLimit, 1);
    }

    public long restartWindowMs()
    {
        return integer(RESTART_WINDOW, restartWindow, 1);
    }

    /**
     * @return {@code jetty.egg.jvmArgs} split on white space (extra JVM options for every child)
     */
    public List<String> jvmArgs()
    {
        List<String> args = new ArrayList<>();
        if (jvmArgs != null)
        {
            for (String arg : jvmArgs.trim().split("\\s+"))
            {
                if (!arg.isEmpty())
                    args.add(arg);
            }
        }
        return args;
    }

    public String jettyHome()
    {
        return jettyHome;
    }

    public String jettyBase()
    {
        return jettyBase;
    }

    private static int integer(String name, String text, int min)
    {
        String expected = "expected a whole number >= " + min;
        if (text == null || text.isBlank())
            throw new IllegalArgumentException(name + " is empty: " + expected);
        try
        {
            int value = Integer.parseInt(text.trim());
            if (value < min)
                throw new IllegalArgumentException(name + "=" + text.trim() + " is too small: " + expected);
            return value;
        }
        catch (NumberFormatException e)
        {
            throw new IllegalArgumentException(name + "='" + text + "' is not a number: " + expected);
        }
    }
}
