package io.tiercache;

/**
 * A configuration value is out of range or malformed. The message names the field, the value and
 * what is allowed, so that it can be shown to whoever wrote the value.
 */
public class InvalidConfigException extends TierCacheException {
  private static final long serialVersionUID = 1L;
  private final String field;

  public InvalidConfigException(String field, String message) {
    super(field + ": " + message);
    this.field = field;
  }

  /** The name of the offending field, as written in the config file or the table column. */
  public String field() {
    return field;
  }
}
