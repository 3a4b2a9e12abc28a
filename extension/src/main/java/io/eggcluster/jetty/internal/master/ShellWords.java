package io.eggcluster.jetty.internal.master;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a line written for a POSIX shell into its words, as the shell would without expansions: blanks separate
 * words, {@code '...'} is literal, {@code "..."} keeps all but {@code \" \\ \$ \`}, a backslash outside quotes
 * escapes the next character, and a backslash before a newline joins two lines. This is the format of
 * {@code start.jar --dry-run}.
 */
final class ShellWords
{
    private ShellWords()
    {
    }

    /**
     * @throws IllegalArgumentException on an unclosed quote
     */
    static List<String> split(String line)
    {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        for (int i = 0; i < line.length(); i++)
        {
            char c = line.charAt(i);
            if (c == '\'')
            {
                int end = line.indexOf('\'', i + 1);
                if (end < 0)
                    throw new IllegalArgumentException("unclosed ' at " + i + " in: " + line);
                word.append(line, i + 1, end);
                inWord = true;
                i = end;
            }
            else if (c == '"')
            {
                int j = i + 1;
                for (; j < line.length() && line.charAt(j) != '"'; j++)
                {
                    char d = line.charAt(j);
                    if (d == '\\' && j + 1 < line.length() && "\"\\$`\n".indexOf(line.charAt(j + 1)) >= 0)
                    {
                        j++;
                        if (line.charAt(j) != '\n')
                            word.append(line.charAt(j));
                    }
                    else
                        word.append(d);
                }
                if (j >= line.length())
                    throw new IllegalArgumentException("unclosed \" at " + i + " in: " + line);
                inWord = true;
                i = j;
            }
            else if (c == '\\' && i + 1 < line.length())
            {
                i++;
                if (line.charAt(i) != '\n')
                {
                    word.append(line.charAt(i));
                    inWord = true;
                }
            }
            else if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
            {
                if (inWord)
                    words.add(word.toString());
                word.setLength(0);
                inWord = false;
            }
            else
            {
                word.append(c);
                inWord = true;
            }
        }
        if (inWord)
            words.add(word.toString());
        return words;
    }

    /**
     * @return {@code text} with the value of every {@code name=value} in it hidden: what start.jar printed may hold
     * the base's properties, passwords included, and is logged only so
     */
    static String redactProperties(String text)
    {
        return text.replaceAll("(['\"])([\\w.\\-]+)=[^'\"]*\\1", "$1$2=(hidden)$1")
            .replaceAll("([\\w.\\-]+)=(\"[^\"]*\"|'[^']*'|[^\\s'\"]+)", "$1=(hidden)");
    }
}
