package dev.picobase.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One benchmark's result: its parameters, a table of rows, and findings read against the targets.
 * {@link #write} prints the table and writes {@code <dir>/<name>.json} (everything) and
 * {@code <dir>/<name>.md} (the summary).
 */
public final class Report {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final String name;
    private final String title;
    private final Map<String, Object> parameters = new LinkedHashMap<>();
    private final List<String> columns = new ArrayList<>();
    private final List<Map<String, Object>> rows = new ArrayList<>();
    private final Map<String, Object> extra = new LinkedHashMap<>();
    private final List<String> findings = new ArrayList<>();

    public Report(String name, String title) {
        this.name = name;
        this.title = title;
    }

    public Report parameter(String key, Object value) {
        parameters.put(key, value);
        return this;
    }

    /** The columns of the Markdown table, in order (keys of the rows). */
    public Report columns(String... names) {
        columns.addAll(List.of(names));
        return this;
    }

    public Report row(Map<String, Object> row) {
        rows.add(new LinkedHashMap<>(row));
        return this;
    }

    /** Anything else worth keeping in the JSON (raw samples, metrics scraped). */
    public Report extra(String key, Object value) {
        extra.put(key, value);
        return this;
    }

    /** One line of the summary, read against a target: what was measured, met or missed by how much. */
    public Report finding(String line) {
        findings.add(line);
        return this;
    }

    public List<Map<String, Object>> rows() {
        return rows;
    }

    public String markdown() {
        StringBuilder md = new StringBuilder("# ").append(title).append("\n\n");
        md.append(Environment.describe()).append("; ");
        parameters.forEach((k, v) -> md.append(k).append(' ').append(v).append(", "));
        md.setLength(md.length() - 2);
        md.append(".\n\n| ").append(String.join(" | ", columns)).append(" |\n|");
        columns.forEach(c -> md.append("---|"));
        md.append('\n');
        for (Map<String, Object> row : rows) {
            md.append("| ");
            for (String c : columns) {
                md.append(format(row.get(c))).append(" | ");
            }
            md.setLength(md.length() - 1);
            md.append('\n');
        }
        if (!findings.isEmpty()) {
            md.append('\n');
            findings.forEach(f -> md.append("- ").append(f).append('\n'));
        }
        return md.toString();
    }

    private static String format(Object v) {
        if (v == null) {
            return "";
        }
        if (v instanceof Double d) {
            return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf(d.longValue()) : String.valueOf(d);
        }
        return v.toString();
    }

    /** Prints the summary and writes {@code dir/name.json} and {@code dir/name.md}. */
    public void write(Path dir) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("benchmark", name);
        json.put("date", Instant.now().toString());
        json.put("machine", Environment.describe());
        json.put("parameters", parameters);
        json.put("rows", rows);
        json.put("findings", findings);
        json.putAll(extra);
        String md = markdown();
        try {
            Files.createDirectories(dir);
            JSON.writeValue(dir.resolve(name + ".json").toFile(), json);
            Files.writeString(dir.resolve(name + ".md"), md);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the results of " + name + " to " + dir, e);
        }
        System.out.println(md);
    }
}
