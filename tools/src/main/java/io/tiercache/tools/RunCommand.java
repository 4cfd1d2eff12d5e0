package io.tiercache.tools;

import io.tiercache.server.GatewayMain;
import io.tiercache.tools.demo.DemoCommand;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The README's main command: a short demo on the embedded default, so a newcomer sees hits, misses
 * and metrics at once, then the gateway on the embedded default until the process is stopped.
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the demo on the embedded default (H2 with sample data, a local redis-server when one is"
          + " on the PATH), then starts the gateway on it and prints its URLs. Stop with Ctrl-C."
    })
final class RunCommand implements Callable<Integer> {
  @Spec private CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--demo-duration",
      defaultValue = "20s",
      description =
          "How long the demo reads before the gateway starts (default: ${DEFAULT-VALUE}).")
  private String demoDuration;

  @Option(names = "--no-demo", description = "Start the gateway at once.")
  private boolean noDemo;

  @Option(
      names = "--port",
      defaultValue = "8080",
      description = "The gateway's HTTP port (default: ${DEFAULT-VALUE}).")
  private int port;

  @Override
  public Integer call() throws InterruptedException {
    if (!noDemo) {
      CommandLine demo = new CommandLine(new DemoCommand());
      demo.setOut(spec.commandLine().getOut());
      demo.setErr(spec.commandLine().getErr());
      int rc = demo.execute("--duration", demoDuration);
      if (rc != 0) {
        return rc;
      }
      spec.commandLine().getOut().println();
      spec.commandLine().getOut().println("Starting the gateway on the embedded default...");
      spec.commandLine().getOut().flush();
    }
    GatewayMain.main(new String[] {"--port", Integer.toString(port)});
    return 0;
  }
}
