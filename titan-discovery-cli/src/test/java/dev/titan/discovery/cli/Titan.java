package dev.titan.discovery.cli;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the built {@code titan.jar} as a process, as a user would. */
final class Titan {

  /** What a run printed and how it ended. */
  record Result(int exit, String out, String err) {
    List<String> errLines() {
      return err.lines().filter(l -> !l.isBlank()).toList();
    }

    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  /** A running {@code titan} whose output is read as it comes. */
  static final class Running implements AutoCloseable {
    final Process process;
    final List<String> out = Collections.synchronizedList(new ArrayList<>());
    final List<String> err = Collections.synchronizedList(new ArrayList<>());

    Running(Process process) {
      this.process = process;
      pump(process.getInputStream(), out);
      pump(process.getErrorStream(), err);
    }

    private static void pump(InputStream in, List<String> lines) {
      Thread t = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
          String l;
          while ((l = r.readLine()) != null) {
            lines.add(l);
          }
        } catch (IOException ignored) {
          // the process ended
        }
      });
      t.setDaemon(true);
      t.start();
    }

    /** Waits until standard output has a line containing the text, and returns it. */
    String awaitOut(String text) {
      await().atMost(Duration.ofSeconds(60)).until(() -> {
        synchronized (out) {
          return out.stream().anyMatch(l -> l.contains(text));
        }
      });
      synchronized (out) {
        return out.stream().filter(l -> l.contains(text)).findFirst().orElseThrow();
      }
    }

    /** Waits until standard error has a line containing the text. */
    void awaitErr(String text) {
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        synchronized (err) {
          return err.stream().anyMatch(l -> l.contains(text));
        }
      });
    }

    int awaitExit() throws InterruptedException {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        throw new AssertionError("titan did not exit; stdout " + out + " stderr " + err);
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> !process.isAlive());
      return process.exitValue();
    }

    @Override
    public void close() {
      process.destroyForcibly();
    }
  }

  private Titan() {}

  private static ProcessBuilder builder(List<String> args) {
    String jar = System.getProperty("titan.jar", "target/titan.jar");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-XX:TieredStopAtLevel=1"); // short-lived processes on a busy machine: less JIT work
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-jar");
    cmd.add(jar);
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().remove("TITAN_REDIS_URL");
    pb.environment().put("NO_COLOR", "1");
    pb.redirectInput(new File("/dev/null"));
    return pb;
  }

  /** Runs titan to its end. */
  static Result run(String... args) throws IOException, InterruptedException {
    Path out = Files.createTempFile("titan-out", ".txt");
    Path err = Files.createTempFile("titan-err", ".txt");
    try {
      Process p = builder(List.of(args)).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("titan " + String.join(" ", args) + " did not exit within 60 s");
      }
      return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /** Starts titan and reads its output while it runs. */
  static Running start(String... args) throws IOException {
    return new Running(builder(List.of(args)).start());
  }
}
