package lanchat.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import static lanchat.bench.Numbers.fmt;

/** The JMH codec micro-benchmarks of {@code lanchat.bench.jmh}, one fork, sized by the plan; rows for the report. */
final class JmhCodecs {
    /**
     * One benchmark's result, as the report prints it.
     *
     * @param score "score ± error" (no error when JMH gives none)
     * @param mbs   ops/s × size in MB/s when the benchmark has a {@code size} parameter, a remark, or ""
     */
    record Row(String benchmark, String params, String score, String unit, String mbs) {}

    private JmhCodecs() {}

    static List<Row> run(RunContext ctx) throws Exception {
        Plan plan = ctx.plan();
        var opts = new OptionsBuilder()
                .include("lanchat\\.bench\\.jmh\\..*")
                .forks(1)
                .warmupIterations(plan.jmhWarmups()).warmupTime(TimeValue.milliseconds(plan.jmhWarmupMs()))
                .measurementIterations(plan.jmhIterations()).measurementTime(TimeValue.milliseconds(plan.jmhMs()))
                .jvmArgsAppend("-Dio.netty.leakDetection.level=disabled")
                .shouldFailOnError(true)
                .output(ctx.work().resolve("jmh.log").toString())
                .build();
        List<Row> rows = new ArrayList<>();
        for (var rr : new Runner(opts).run()) {
            var p = rr.getParams();
            String name = p.getBenchmark().replace("lanchat.bench.jmh.", "");
            String params = p.getParamsKeys().stream().map(k -> k + "=" + p.getParam(k)).collect(Collectors.joining(" "));
            var r = rr.getPrimaryResult();
            String mbs = "";
            if (name.startsWith("YamuxBench")) {
                mbs = "(header only, payload not copied)";
            } else if (p.getParamsKeys().contains("size") && r.getScoreUnit().equals("ops/s")) {
                mbs = fmt(r.getScore() * Integer.parseInt(p.getParam("size")) / 1e6, 0);
            }
            String score = fmt(r.getScore(), 0) + (Double.isNaN(r.getScoreError()) || r.getScoreError() == 0 ? "" : " ± " + fmt(r.getScoreError(), 0));
            rows.add(new Row(name, params, score, r.getScoreUnit(), mbs));
            Progress.say(String.format(Locale.ROOT, "  %-40s %-12s %s %s %s", name, params, fmt(r.getScore(), 0), r.getScoreUnit(), mbs.isEmpty() ? "" : mbs + " MB/s"));
        }
        return rows;
    }
}
