package io.eggcluster.sample;

/** The little JSON the sample writes by hand (no library in a WAR that only prints a few fields). */
final class Json
{
    private Json()
    {
    }

    static String quote(String text)
    {
        if (text == null)
            return "null";
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray())
        {
            switch (c)
            {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default ->
                {
                    if (c < 0x20)
                        out.append(String.format("\\u%04x", (int)c));
                    else
                        out.append(c);
                }
            }
        }
        return out.append('"').toString();
    }
}
