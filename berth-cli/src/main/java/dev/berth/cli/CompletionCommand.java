package dev.berth.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code berth completion bash|zsh}: the shell completion script, as podman's {@code completion}
 * verb prints it. picocli's AutoComplete writes one script for both shells: zsh runs it through its
 * bashcompinit.
 */
@Command(
    name = "completion",
    mixinStandardHelpOptions = true,
    description = {
      "Print the shell completion script for bash or zsh.",
      "bash: berth completion bash > ~/.local/share/bash-completion/completions/berth",
      "zsh: source <(berth completion zsh) in ~/.zshrc, after compinit"
    })
final class CompletionCommand extends BaseCommand {
  enum Shell {
    bash,
    zsh
  }

  @Parameters(paramLabel = "SHELL", description = "bash or zsh.")
  Shell shell; // initialized by picocli

  @Override
  public Integer call() {
    String script = AutoComplete.bash("berth", spec.root().commandLine());
    if (shell == Shell.zsh) {
      // As a zsh file it loads bash's completion emulation first; the script then works unchanged.
      script = "autoload -U +X bashcompinit && bashcompinit\n" + script;
    }
    out().print(script);
    out().flush();
    return 0;
  }
}
