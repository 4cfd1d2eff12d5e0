package io.tiercache.redis.local;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Finds programs the way a shell does: in the directories of {@code PATH}, first match wins. */
final class Executables {
  private Executables() {}

  static Optional<Path> onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /**
   * {@code name} on the PATH.
   *
   * @throws LocalRedisException when it is not there
   */
  static Path require(String name) {
    return onPath(name)
        .orElseThrow(
            () ->
                new LocalRedisException(
                    "'" + name + "' is not on the PATH (" + System.getenv("PATH") + ")"));
  }
}
