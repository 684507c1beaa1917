# Homebrew formula for Berth. dist/build renders it into dist/target/berth.rb with the release's
# version and the tarball's SHA-256; publish that file in a tap. The homepage, the release URL and the
# licence are placeholders until the project has them.
class Berth < Formula
  desc "Container host virtual machines, the way podman machine does it"
  homepage "https://github.com/berth-dev/berth"
  url "https://github.com/berth-dev/berth/releases/download/v@VERSION@/berth-@VERSION@.tar.gz"
  sha256 "@SHA256@"
  license "Apache-2.0"

  depends_on "openjdk"
  depends_on "qemu"

  def install
    libexec.install "bin", "lib"
    (bin/"berth").write_env_script libexec/"bin/berth", Language::Java.overridable_java_home_env
    bash_completion.install "share/bash-completion/completions/berth"
    zsh_completion.install "share/zsh/site-functions/_berth"
    man1.install Dir["share/man/man1/*.1"]
  end

  test do
    assert_match "berth version #{version}", shell_output("#{bin}/berth --version")
    ENV["BERTH_HOME"] = testpath/"berth"
    assert_match "NAME", shell_output("#{bin}/berth list")
  end
end
