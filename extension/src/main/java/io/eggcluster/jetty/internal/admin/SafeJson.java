package io.eggcluster.jetty.internal.admin;

import java.util.LinkedHashMap;
import java.util.Map;

import org.eclipse.jetty.util.ajax.JSON;

/**
 * Jetty's JSON parser for what crosses the control socket (requests in the master, answers in the client): it keeps
 * the order of an object's keys (so {@code status --json} prints them as the master wrote them) and never turns an
 * object into a Java object. Plain {@link JSON} loads and builds the class an object names under {@code "class"} or
 * {@code "x-class"} (DESIGN: no Java deserialization of anything that crossed a socket); these maps never show it
 * those keys, so every object stays a map.
 */
final class SafeJson extends JSON
{
    @Override
    protected Map<String, Object> newMap()
    {
        return new LinkedHashMap<>()
        {
            @Override
            public Object get(Object key)
            {
                return "class".equals(key) || "x-class".equals(key) ? null : super.get(key);
            }
        };
    }
}
