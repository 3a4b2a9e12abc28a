package io.eggcluster.jetty.internal.messenger;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.eggcluster.jetty.api.EggProcess;
import io.eggcluster.jetty.api.Role;

/**
 * One message on the wire: who sent it, to whom, and a JSON-like payload, in a compact binary form that any
 * process decodes with JDK classes only (so no class of an application is ever deserialised elsewhere).
 *
 * @param kind a plain message, one for any one worker ({@code sendRandom} from the agent), a request, or the reply
 *             to one
 * @param action the action name
 * @param sender the sending process
 * @param targetPid the pid it is addressed to, or 0 when it is for whichever process holds the receiving slot
 * @param requestId the request it belongs to (requests and replies), else 0
 * @param data the payload, already checked
 */
record Envelope(Kind kind, String action, EggProcess sender, long targetPid, long requestId, Object data)
{
    private static final int VERSION = 1;
    private static final int MAX_DEPTH = 64;

    enum Kind
    {
        /** A message for the process(es) of its slot: sent to all workers, to the agent, or by pid. */
        MESSAGE,
        REQUEST,
        REPLY,
        ERROR_REPLY,
        /**
         * A message for any one worker ({@code sendRandom} from the agent): delivered like {@link #MESSAGE}; what
         * a removed worker's slot still holds of these goes to another worker ({@link SlotRetirement}).
         */
        ANY_WORKER
    }

    private static final Kind[] KINDS = Kind.values();
    private static final Role[] ROLES = Role.values();

    private static final int NULL = 0, TRUE = 1, FALSE = 2, INT = 3, LONG = 4, DOUBLE = 5, FLOAT = 6, SHORT = 7,
        BYTE = 8, BIG_INTEGER = 9, BIG_DECIMAL = 10, STRING = 11, LIST = 12, MAP = 13;

    /**
     * @param maxBytes the largest encoding allowed ({@code jetty.egg.maxMessageBytes})
     * @return the encoding
     * @throws IllegalArgumentException naming the offending type and where it is, or the size
     */
    byte[] encode(int maxBytes)
    {
        BoundedBytes bytes = new BoundedBytes(maxBytes, action);
        try (DataOutputStream out = new DataOutputStream(bytes))
        {
            out.writeByte(VERSION);
            out.writeByte(kind.ordinal());
            writeString(out, action);
            out.writeByte(sender.role().ordinal());
            out.writeInt(sender.workerId());
            out.writeLong(sender.pid());
            out.writeLong(targetPid);
            out.writeLong(requestId);
            writeValue(out, data, "data", 0);
        }
        catch (IOException e)
        {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static Envelope decode(byte[] bytes)
    {
        return decode(bytes, 0);
    }

    /**
     * Decodes the envelope that starts at {@code offset} and runs to the end of {@code bytes}. The bytes may come
     * from anyone who reaches a socket or a queue: every length and size is checked against the bytes left before
     * anything is allocated for it, and nesting is capped as on encode.
     *
     * @throws IllegalArgumentException saying what is wrong, when the bytes are not an envelope
     */
    static Envelope decode(byte[] bytes, int offset)
    {
        if (offset < 0 || offset > bytes.length)
            throw new IllegalArgumentException("message offset " + offset + " is outside its " + bytes.length + " bytes");
        // a ByteArrayInputStream's available() is exactly the bytes left, and a DataInputStream passes it on
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, offset, bytes.length - offset)))
        {
            int version = in.readUnsignedByte();
            if (version != VERSION)
                throw new IllegalArgumentException("message encoding version " + version + " is not " + VERSION);
            int kind = in.readUnsignedByte();
            if (kind >= KINDS.length)
                throw new IllegalArgumentException("unknown message kind " + kind);
            String action = readString(in);
            int role = in.readUnsignedByte();
            if (role >= ROLES.length)
                throw new IllegalArgumentException("unknown sender role " + role);
            EggProcess sender = new EggProcess(ROLES[role], in.readInt(), in.readLong());
            long targetPid = in.readLong();
            long requestId = in.readLong();
            return new Envelope(KINDS[kind], action, sender, targetPid, requestId, readValue(in, 0));
        }
        catch (EOFException e)
        {
            throw new IllegalArgumentException("message ends in the middle of a value (" + (bytes.length - offset) +
                " bytes)");
        }
        catch (IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    private void writeValue(DataOutputStream out, Object value, String path, int depth) throws IOException
    {
        if (depth > MAX_DEPTH)
            throw new IllegalArgumentException("payload of action '" + action + "' is nested more than " + MAX_DEPTH +
                " levels deep at " + path + " (a cycle?)");
        if (value == null)
            out.writeByte(NULL);
        else if (value instanceof String s)
        {
            out.writeByte(STRING);
            writeString(out, s);
        }
        else if (value instanceof Boolean b)
            out.writeByte(b ? TRUE : FALSE);
        else if (value instanceof Integer i)
        {
            out.writeByte(INT);
            out.writeInt(i);
        }
        else if (value instanceof Long l)
        {
            out.writeByte(LONG);
            out.writeLong(l);
        }
        else if (value instanceof Double d)
        {
            out.writeByte(DOUBLE);
            out.writeDouble(d);
        }
        else if (value instanceof Float f)
        {
            out.writeByte(FLOAT);
            out.writeFloat(f);
        }
        else if (value instanceof Short s)
        {
            out.writeByte(SHORT);
            out.writeShort(s);
        }
        else if (value instanceof Byte b)
        {
            out.writeByte(BYTE);
            out.writeByte(b);
        }
        else if (value instanceof BigInteger bi)
        {
            out.writeByte(BIG_INTEGER);
            writeString(out, bi.toString());
        }
        else if (value instanceof BigDecimal bd)
        {
            out.writeByte(BIG_DECIMAL);
            writeString(out, bd.toString());
        }
        else if (value instanceof List<?> list)
        {
            out.writeByte(LIST);
            out.writeInt(list.size());
            int i = 0;
            for (Object item : list)
                writeValue(out, item, path + "[" + i++ + "]", depth + 1);
        }
        else if (value instanceof Map<?, ?> map)
        {
            out.writeByte(MAP);
            out.writeInt(map.size());
            for (Map.Entry<?, ?> entry : map.entrySet())
            {
                if (!(entry.getKey() instanceof String key))
                    throw new IllegalArgumentException("payload of action '" + action + "' has a map key of type " +
                        typeOf(entry.getKey()) + " at " + path + ": map keys must be Strings");
                writeString(out, key);
                writeValue(out, entry.getValue(), path + "." + key, depth + 1);
            }
        }
        else
            throw new IllegalArgumentException("payload of action '" + action + "' holds a " + typeOf(value) + " at " +
                path + ": only null, String, Number (Integer, Long, Double, Float, Short, Byte, BigInteger, " +
                "BigDecimal), Boolean, List and Map with String keys can be sent");
    }

    private static String typeOf(Object value)
    {
        return value == null ? "null" : value.getClass().getName();
    }

    private static Object readValue(DataInputStream in, int depth) throws IOException
    {
        if (depth > MAX_DEPTH)
            throw new IllegalArgumentException("message payload is nested deeper than " + MAX_DEPTH);
        int tag = in.readUnsignedByte();
        return switch (tag)
        {
            case NULL -> null;
            case TRUE -> Boolean.TRUE;
            case FALSE -> Boolean.FALSE;
            case INT -> in.readInt();
            case LONG -> in.readLong();
            case DOUBLE -> in.readDouble();
            case FLOAT -> in.readFloat();
            case SHORT -> in.readShort();
            case BYTE -> in.readByte();
            case BIG_INTEGER -> new BigInteger(readString(in));
            case BIG_DECIMAL -> new BigDecimal(readString(in));
            case STRING -> readString(in);
            case LIST ->
            {
                // each element takes its tag at least; the list grows with what is read, as lists nested in it
                // may each claim the same bytes left
                int size = checked("list size", in.readInt(), 1, in);
                List<Object> list = new ArrayList<>(Math.min(size, 1024));
                for (int i = 0; i < size; i++)
                    list.add(readValue(in, depth + 1));
                yield Collections.unmodifiableList(list);
            }
            case MAP ->
            {
                // each entry takes its key's length and its value's tag at least
                int size = checked("map size", in.readInt(), 5, in);
                Map<String, Object> map = new LinkedHashMap<>();
                for (int i = 0; i < size; i++)
                    map.put(readString(in), readValue(in, depth + 1));
                yield Collections.unmodifiableMap(map);
            }
            default -> throw new IllegalArgumentException("unknown value tag " + tag);
        };
    }

    private static void writeString(DataOutputStream out, String s) throws IOException
    {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static String readString(DataInputStream in) throws IOException
    {
        byte[] utf8 = new byte[checked("string length", in.readInt(), 1, in)];
        in.readFully(utf8);
        return new String(utf8, StandardCharsets.UTF_8);
    }

    /**
     * @param count a length or size just read, of things taking at least {@code bytesEach} bytes each
     * @return the count, when the bytes left can hold it
     * @throws IllegalArgumentException when they cannot
     */
    private static int checked(String what, int count, int bytesEach, DataInputStream in) throws IOException
    {
        int left = in.available();
        if (count < 0)
            throw new IllegalArgumentException(what + " " + count + " is negative");
        if ((long)count * bytesEach > left)
            throw new IllegalArgumentException(what + " " + count + " exceeds the " + left + " bytes left" +
                (bytesEach > 1 ? " (" + bytesEach + " bytes each at least)" : ""));
        return count;
    }

    /** Refuses to grow past the message size limit, so an oversized payload is never encoded whole. */
    private static final class BoundedBytes extends OutputStream
    {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        private final int max;
        private final String action;

        BoundedBytes(int max, String action)
        {
            this.max = max;
            this.action = action;
        }

        @Override
        public void write(int b)
        {
            grow(1);
            bytes.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len)
        {
            grow(len);
            bytes.write(b, off, len);
        }

        private void grow(int n)
        {
            if (bytes.size() + (long)n > max)
                throw new IllegalArgumentException("payload of action '" + action + "' is larger than " +
                    "jetty.egg.maxMessageBytes=" + max + " bytes encoded (more than " + max + " bytes so far)");
        }

        byte[] toByteArray()
        {
            return bytes.toByteArray();
        }
    }
}
