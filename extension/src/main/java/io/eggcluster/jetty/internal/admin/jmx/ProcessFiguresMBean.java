package io.eggcluster.jetty.internal.admin.jmx;

import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

import io.eggcluster.jetty.internal.admin.ProcessFigures;
import org.eclipse.jetty.jmx.ObjectMBean;

/**
 * Gives a {@link ProcessFigures} a fixed ObjectName, {@code io.eggcluster.jetty:type=process,name=worker-1}, the same
 * for every process that takes the slot (Jetty's generic name would be the package's, with a counter). Found by Jetty's
 * {@code MBeanContainer} by its name (the bean's package + {@code .jmx.} + its class + {@code MBean}); loaded only
 * where the {@code jmx} module is enabled.
 */
public class ProcessFiguresMBean extends ObjectMBean
{
    public ProcessFiguresMBean(Object managedObject)
    {
        super(managedObject);
    }

    @Override
    public ObjectName getObjectName()
    {
        try
        {
            return new ObjectName(ClusterFiguresMBean.DOMAIN + ":type=process,name=" +
                ((ProcessFigures)getManagedObject()).getKey());
        }
        catch (MalformedObjectNameException e)
        {
            // Jetty's generic name then
            return null;
        }
    }
}
