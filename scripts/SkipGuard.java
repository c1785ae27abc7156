import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The CI skip guard (step f of scripts/test-all.sh): a skipped test looks green to Maven, so after {@code mvn verify}
 * this reads every module's Surefire and Failsafe reports and fails unless
 * <ul>
 *   <li>every skipped test (unit or integration) is on the allow-list (.ci/allowed-skips.txt), each entry with its reason;</li>
 *   <li>every module with unit tests ({@code *Test.java}) left Surefire reports, and with integration tests
 *       ({@code *IT.java}) Failsafe reports: a module whose tests did not run at all is no pass;</li>
 *   <li>every required IT class ran at least one test;</li>
 *   <li>no report counts a failure or an error.</li>
 * </ul>
 * Reports are parsed with the JDK's XML parser. Run with the JDK's source launcher:
 * {@code java scripts/SkipGuard.java REPO ALLOW_LIST [REQUIRED_IT_CLASS...]}; {@code --self-test} checks the guard
 * itself on reports it writes to a temporary directory.
 */
public final class SkipGuard {
    /** {@code <class>#<test name as in the report>}, whitespace, {@code #}, the reason. */
    private static final Pattern ENTRY = Pattern.compile("(\\S+)\\s+#\\s*(\\S.*)");

    record Verdict(List<String> problems, List<String> lines) {
        boolean ok() { return problems.isEmpty(); }
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals("--self-test")) {
            selfTest();
            return;
        }
        if (args.length < 2) {
            System.err.println("usage: java scripts/SkipGuard.java REPO ALLOW_LIST [REQUIRED_IT_CLASS...] | --self-test");
            System.exit(2);
        }
        Verdict v = check(Path.of(args[0]), Path.of(args[1]), List.of(args).subList(2, args.length));
        v.lines().forEach(System.out::println);
        if (!v.ok()) {
            System.err.println("skip guard FAILED:");
            v.problems().forEach(p -> System.err.println("  " + p));
            System.exit(1);
        }
    }

    static Verdict check(Path repo, Path allowListFile, List<String> requiredIts) throws Exception {
        List<String> problems = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        Map<String, String> allowed = readAllowList(allowListFile, problems);
        Map<String, Boolean> allowUsed = new LinkedHashMap<>();
        allowed.keySet().forEach(k -> allowUsed.put(k, false));
        int total = 0, skipped = 0, allowedSkips = 0;
        List<Path> modules;
        try (Stream<Path> s = Files.list(repo)) {
            modules = s.filter(d -> Files.isRegularFile(d.resolve("pom.xml"))).sorted().toList();
        }
        for (Path module : modules) {
            for (String kind : new String[] {"surefire", "failsafe"}) {
                String suffix = kind.equals("surefire") ? "Test.java" : "IT.java";
                Path dir = module.resolve("target").resolve(kind + "-reports");
                List<Path> reports = reports(dir);
                if (reports.isEmpty()) {
                    if (hasSources(module.resolve("src/test/java"), suffix)) {
                        problems.add(module.getFileName() + ": has *" + suffix + " but no " + kind + " reports: its tests did not run");
                    }
                    continue;
                }
                int mTests = 0, mSkipped = 0, mBad = 0;
                for (Path r : reports) {
                    Element suite = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(r.toFile()).getDocumentElement();
                    int tests = intAttr(suite, "tests"), suiteSkipped = intAttr(suite, "skipped");
                    int bad = intAttr(suite, "failures") + intAttr(suite, "errors");
                    int listedSkips = 0;
                    NodeList cases = suite.getElementsByTagName("testcase");
                    for (int i = 0; i < cases.getLength(); i++) {
                        Element c = (Element) cases.item(i);
                        NodeList skip = c.getElementsByTagName("skipped");
                        if (skip.getLength() == 0) continue;
                        listedSkips++;
                        String id = c.getAttribute("classname") + "#" + c.getAttribute("name");
                        String why = ((Element) skip.item(0)).getAttribute("message");
                        String entry = allowedBy(allowed, id);
                        if (entry == null) {
                            problems.add("skipped, not on " + allowListFile.getFileName() + ": " + id + (why.isEmpty() ? "" : " (" + why + ")"));
                        } else {
                            allowUsed.put(entry, true);
                            allowedSkips++;
                            lines.add("  allowed skip: " + id + "  # " + allowed.get(entry));
                        }
                    }
                    if (listedSkips != suiteSkipped) {
                        problems.add(r + ": " + suiteSkipped + " skipped in the suite's count but " + listedSkips + " skipped test cases listed");
                    }
                    if (bad > 0) problems.add(r + ": " + bad + " failure(s) or error(s)");
                    mTests += tests;
                    mSkipped += suiteSkipped;
                    mBad += bad;
                }
                lines.add(String.format("%-26s %-8s %3d report(s) tests=%d skipped=%d failed=%d", module.getFileName(), kind, reports.size(), mTests, mSkipped, mBad));
                total += mTests;
                skipped += mSkipped;
            }
        }
        for (String it : requiredIts) {
            Path r = repo.resolve("it-tests/target/failsafe-reports/TEST-" + it + ".xml");
            if (!Files.isRegularFile(r) || intAttr(DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(r.toFile()).getDocumentElement(), "tests") == 0) {
                problems.add("required IT did not run: " + it);
            }
        }
        if (total == 0) problems.add("no test ran at all");
        allowUsed.forEach((entry, used) -> {
            if (!used) lines.add("  note: allow-list entry matched no skip (remove it?): " + entry);
        });
        lines.add("total: " + total + " tests, " + skipped + " skipped (" + allowedSkips + " allowed)");
        return new Verdict(problems, lines);
    }

    /** Entry → reason. Every entry needs a reason; a broken line is a problem, not something to ignore. */
    static Map<String, String> readAllowList(Path file, List<String> problems) throws IOException {
        Map<String, String> allowed = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            problems.add("allow-list " + file + " is missing");
            return allowed;
        }
        List<String> lines = Files.readAllLines(file);
        for (int n = 0; n < lines.size(); n++) {
            String l = lines.get(n).strip();
            if (l.isEmpty() || l.startsWith("#")) continue;
            Matcher m = ENTRY.matcher(l);
            if (m.matches() && m.group(1).contains("#")) allowed.put(m.group(1), m.group(2));
            else problems.add(file.getFileName() + ":" + (n + 1) + ": not '<class>#<test>  # <why it may skip>': " + l);
        }
        return allowed;
    }

    /** The entry that allows {@code id}: equal to it, or ending in {@code *} and a prefix of it. */
    static String allowedBy(Map<String, String> allowed, String id) {
        for (String e : allowed.keySet()) {
            if (e.equals(id) || (e.endsWith("*") && id.startsWith(e.substring(0, e.length() - 1)))) return e;
        }
        return null;
    }

    private static List<Path> reports(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches("TEST-.*\\.xml")).sorted().toList();
        }
    }

    private static boolean hasSources(Path dir, String suffix) throws IOException {
        if (!Files.isDirectory(dir)) return false;
        try (Stream<Path> s = Files.walk(dir)) {
            return s.anyMatch(p -> p.getFileName().toString().endsWith(suffix));
        }
    }

    private static int intAttr(Element e, String name) {
        String v = e.getAttribute(name);
        return v.isEmpty() ? 0 : Integer.parseInt(v);
    }

    // ---- --self-test: the guard on reports written here, one situation each ----

    private static void selfTest() throws Exception {
        Path tmp = Files.createTempDirectory("skip-guard-selftest");
        try {
            Path allow = tmp.resolve("allowed-skips.txt");
            Files.writeString(allow, """
                    # comment
                    a.ParamTest#cases*   # parameterised cases of a test that may all skip
                    a.OkTest#mayskip     # a reason
                    """);
            expect("a clean run", true, guard(tmp, allow, report("m1", "surefire", "a.OkTest", "t1", "t2")));
            expect("an unlisted unit-test skip", false, guard(tmp, allow, report("m1", "surefire", "a.OkTest", "t1", "-t2")), "a.OkTest#t2");
            expect("a listed skip", true, guard(tmp, allow, report("m1", "surefire", "a.OkTest", "t1", "-mayskip")));
            expect("a wildcard entry", true, guard(tmp, allow, report("m1", "surefire", "a.ParamTest", "-cases(String)[1]", "-cases(String)[2]")));
            expect("an unlisted IT skip", false, guard(tmp, allow, report("m2", "failsafe", "a.SomeIT", "-t")), "a.SomeIT#t");
            expect("a failure", false, guard(tmp, allow, report("m1", "surefire", "a.OkTest", "t1", "!t2")), "failure");
            clean(tmp);
            report("m1", "surefire", "a.OkTest", "t1").write(tmp);
            Path neverRan = Files.createDirectories(module(tmp, "m3").resolve("src/test/java/a"));
            Files.writeString(neverRan.resolve("NeverRanTest.java"), "");
            expect("a module whose tests never ran", false, check(tmp, allow, List.of()), "m3: has *Test.java but no surefire reports");
            clean(tmp);
            report("m1", "surefire", "a.OkTest", "t1").write(tmp);
            Verdict v = check(tmp, allow, List.of("a.RequiredIT"));
            expect("a required IT that did not run", false, v, "required IT did not run: a.RequiredIT");
            Files.writeString(allow, "a.OkTest#t2\n");
            expect("an entry without a reason", false, guard(tmp, allow, report("m1", "surefire", "a.OkTest", "t1")), "not '<class>#<test>");
            System.out.println("skip guard self-test OK (9 situations)");
        } finally {
            clean(tmp);
            Files.deleteIfExists(tmp.resolve("allowed-skips.txt"));
            Files.deleteIfExists(tmp);
        }
    }

    /** A report of one class: names prefixed '-' are skipped, '!' failed. */
    record Report(String module, String kind, String cls, String[] cases) {
        void write(Path repo) throws IOException {
            Path m = SkipGuard.module(repo, module);
            Path dir = Files.createDirectories(m.resolve("target/" + kind + "-reports"));
            StringBuilder x = new StringBuilder();
            int skipped = 0, failed = 0;
            for (String c : cases) {
                String name = c.replaceFirst("^[-!]", "");
                x.append("<testcase name=\"").append(name).append("\" classname=\"").append(cls).append("\">");
                if (c.startsWith("-")) { x.append("<skipped message=\"assumption failed\"/>"); skipped++; }
                if (c.startsWith("!")) { x.append("<failure message=\"boom\"/>"); failed++; }
                x.append("</testcase>\n");
            }
            Files.writeString(dir.resolve("TEST-" + cls + ".xml"), "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"" + cls + "\" tests=\"" + cases.length
                    + "\" skipped=\"" + skipped + "\" failures=\"" + failed + "\" errors=\"0\">\n" + x + "</testsuite>\n");
        }
    }

    private static Report report(String module, String kind, String cls, String... cases) {
        return new Report(module, kind, cls, cases);
    }

    private static Path module(Path repo, String name) throws IOException {
        Path m = Files.createDirectories(repo.resolve(name));
        if (!Files.exists(m.resolve("pom.xml"))) Files.writeString(m.resolve("pom.xml"), "<project/>");
        return m;
    }

    private static Verdict guard(Path repo, Path allow, Report... reports) throws Exception {
        clean(repo);
        for (Report r : reports) r.write(repo);
        return check(repo, allow, List.of());
    }

    private static void expect(String situation, boolean ok, Verdict v, String... inProblems) {
        String all = String.join("\n", v.problems());
        if (v.ok() != ok) throw new AssertionError("skip guard self-test, " + situation + ": expected " + (ok ? "a pass" : "a failure") + ", got " + (v.ok() ? "a pass" : all));
        for (String s : inProblems) {
            if (!all.contains(s)) throw new AssertionError("skip guard self-test, " + situation + ": '" + s + "' missing from:\n" + all);
        }
    }

    /** Removes every module made by the self-test, keeping the allow-list file. */
    private static void clean(Path repo) throws IOException {
        try (Stream<Path> s = Files.list(repo)) {
            for (Path d : s.filter(Files::isDirectory).toList()) {
                try (Stream<Path> w = Files.walk(d)) {
                    w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                        try {
                            Files.delete(p);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
                }
            }
        }
    }
}
