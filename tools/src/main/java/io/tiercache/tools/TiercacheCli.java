package io.tiercache.tools;

import io.tiercache.TierCacheException;
import io.tiercache.tools.demo.DemoCommand;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code tiercache} command line ({@code bin/tiercache}): one subcommand per operator task.
 * Output meant for people goes to {@link CommandLine#getOut()}, warnings and errors to {@link
 * CommandLine#getErr()}, so that tests can capture both.
 */
@Command(
    name = "tiercache",
    mixinStandardHelpOptions = true,
    versionProvider = TiercacheCli.Version.class,
    description = "Operator tooling for tiercache, a multi-tier cache (Caffeine L1, Redis L2).",
    subcommands = {RunCommand.class, DemoCommand.class, CommandLine.HelpCommand.class})
public final class TiercacheCli implements Runnable {
  @Spec private CommandSpec spec;

  /** Runs the command line and exits with its exit code. */
  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /**
   * The command line with tiercache's error handling: a {@link TierCacheException} (a Redis that
   * cannot be reached, a bad setting) is printed as one line with exit code 1, not a stack trace.
   */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new TiercacheCli());
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          if (!(e instanceof TierCacheException)) {
            throw e;
          }
          commandLine.getErr().println("tiercache: " + e.getMessage());
          commandLine.getErr().flush();
          return 1;
        });
    return cli;
  }

  /** Without a subcommand there is nothing to do: says so and lists the commands. */
  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing a command, e.g. 'tiercache run'.");
  }

  /** The version Maven wrote into {@code version.properties} when it built the tools. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      Properties p = new Properties();
      try (InputStream in = TiercacheCli.class.getResourceAsStream("version.properties")) {
        if (in != null) {
          p.load(in);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return new String[] {
        "tiercache " + p.getProperty("version", "(unknown version)"),
        "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"
      };
    }
  }
}
