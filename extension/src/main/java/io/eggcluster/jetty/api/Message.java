package io.eggcluster.jetty.api;

/**
 * A message as a listener receives it.
 *
 * @param action what the sender called it (Egg's action name)
 * @param data the payload: null, a String, Number, Boolean, or an unmodifiable List or Map of those; a number
 *             arrives with the Java type it was sent with (Integer, Long, Double, BigDecimal, ...)
 * @param sender the process that sent it
 */
public record Message(String action, Object data, EggProcess sender)
{
}
