// A stand-in for LanguageTool's server class, for the local-mode tests only (it is NOT LanguageTool).
// language-tool-python starts a local LanguageTool as
//     java -cp <LanguageTool-X.Y>/languagetool-server.jar org.languagetool.server.HTTPServer -p PORT
// so tests/test_grammar.py compiles this class into such a jar (when javac is available) and points
// LTP_JAR_DIR_PATH at it: the real process management of language-tool-python is exercised (start,
// /v2/healthcheck, /v2/languages, /v2/check, stop). One rule: a repeated word (ENGLISH_WORD_REPEAT_RULE).
package org.languagetool.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class HTTPServer {
    public static void main(String[] args) throws IOException {
        int port = 8081;
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals("-p") || args[i].equals("--port")) {
                port = Integer.parseInt(args[i + 1]);
            }
        }
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/v2/healthcheck", ex -> send(ex, "text/plain", "OK"));
        server.createContext("/v2/languages", ex -> send(ex, "application/json",
                "[{\"name\":\"English (US)\",\"code\":\"en\",\"longCode\":\"en-US\"}]"));
        server.createContext("/v2/check", HTTPServer::check);
        server.start();
    }

    static void check(HttpExchange ex) throws IOException {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String text = "";
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals("text")) {
                text = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        StringBuilder out = new StringBuilder(
                "{\"software\":{\"name\":\"LanguageTool\",\"version\":\"6.4\",\"apiVersion\":1},\"matches\":[");
        Matcher m = Pattern.compile("\\b([A-Za-z]+) \\1\\b").matcher(text);  // offsets in UTF-16 units, as Java counts
        boolean first = true;
        while (m.find()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            out.append("{\"message\":\"Possible typo: you repeated a word.\",\"replacements\":[{\"value\":\"")
               .append(m.group(1)).append("\"}],\"offset\":").append(m.start())
               .append(",\"length\":").append(m.end() - m.start())
               .append(",\"context\":{\"text\":\"\",\"offset\":0,\"length\":0},\"sentence\":\"\",")
               .append("\"rule\":{\"id\":\"ENGLISH_WORD_REPEAT_RULE\",\"description\":\"Word repetition\",")
               .append("\"issueType\":\"duplication\",\"category\":{\"id\":\"MISC\",\"name\":\"Miscellaneous\"}}}");
        }
        out.append("]}");
        send(ex, "application/json", out.toString());
    }

    static void send(HttpExchange ex, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(200, bytes.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(bytes);
        }
    }
}
