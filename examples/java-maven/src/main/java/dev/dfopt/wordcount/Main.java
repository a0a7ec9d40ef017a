package dev.dfopt.wordcount;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts the words of its arguments, or of standard input when it has
 * none, and prints each word with its count. --version prints the version.
 */
public final class Main {
    static final String VERSION = "wordcount 1.0";

    public static void main(String[] args) throws IOException {
        if (args.length == 1 && args[0].equals("--version")) {
            System.out.println(VERSION);
            return;
        }
        Map<String, Integer> counts = new TreeMap<>();
        if (args.length > 0) {
            for (String a : args) {
                count(counts, a);
            }
        } else {
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) {
                count(counts, line);
            }
        }
        counts.forEach((word, n) -> System.out.println(n + " " + word));
    }

    static void count(Map<String, Integer> counts, String text) {
        for (String w : text.toLowerCase().split("[^\\p{L}\\p{N}']+")) {
            if (!w.isEmpty()) {
                counts.merge(w, 1, Integer::sum);
            }
        }
    }
}
