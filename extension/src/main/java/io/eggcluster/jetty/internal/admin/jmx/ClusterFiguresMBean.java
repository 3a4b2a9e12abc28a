package io.eggcluster.jetty.internal.admin.jmx;

import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

import org.eclipse.jetty.jmx.ObjectMBean;

/**
 * Gives the {@code ClusterFigures} a fixed ObjectName, {@code io.eggcluster.jetty:type=cluster}; loaded only where the
 * {@code jmx} module is enabled.
 */
public class ClusterFiguresMBean extends ObjectMBean
{
    /** The ObjectName domain of the cluster's beans. */
    public static final String DOMAIN = "io.eggcluster.jetty";

    public ClusterFiguresMBean(Object managedObject)
    {
        super(managedObject);
    }

    @Override
    public ObjectName getObjectName()
    {
        try
        {
            return new ObjectName(DOMAIN + ":type=cluster");
        }
        catch (MalformedObjectNameException e)
        {
            return null;
        }
    }
}
