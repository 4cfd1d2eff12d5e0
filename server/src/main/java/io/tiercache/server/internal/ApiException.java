package io.tiercache.server.internal;

/**
 * A request the gateway refuses, with the HTTP status, a stable error code and the field at fault.
 * Thrown by handlers and turned into a response in one place, {@link ApiErrors}.
 */
public abstract sealed class ApiException extends RuntimeException
    permits ApiException.BadRequest,
        ApiException.Unauthorized,
        ApiException.Forbidden,
        ApiException.NotFound,
        ApiException.Conflict {
  private static final long serialVersionUID = 1L;
  private final String field;

  private ApiException(String field, String message) {
    super(message, null, false, false); // expected outcomes: no stack trace to fill
    this.field = field;
  }

  /** The HTTP status. */
  public abstract int status();

  /** The stable error code of the JSON body. */
  public abstract String error();

  /** The request field at fault (a path parameter, header, query parameter or JSON field). */
  public String field() {
    return field;
  }

  /** 400: the request is malformed; nothing was changed. */
  public static final class BadRequest extends ApiException {
    private static final long serialVersionUID = 1L;

    public BadRequest(String field, String message) {
      super(field, message);
    }

    @Override
    public int status() {
      return 400;
    }

    @Override
    public String error() {
      return "bad_request";
    }
  }

  /** 401: no credential, or one the gateway does not know. */
  public static final class Unauthorized extends ApiException {
    private static final long serialVersionUID = 1L;
    private final boolean invalidToken;

    public Unauthorized(String message, boolean invalidToken) {
      super("Authorization", message);
      this.invalidToken = invalidToken;
    }

    /** Whether a token was presented but not recognized (RFC 6750 {@code invalid_token}). */
    public boolean invalidToken() {
      return invalidToken;
    }

    @Override
    public int status() {
      return 401;
    }

    @Override
    public String error() {
      return "unauthorized";
    }
  }

  /** 403: the credential is valid but lacks the scope. */
  public static final class Forbidden extends ApiException {
    private static final long serialVersionUID = 1L;

    public Forbidden(String field, String message) {
      super(field, message);
    }

    @Override
    public int status() {
      return 403;
    }

    @Override
    public String error() {
      return "forbidden";
    }
  }

  /** 404: no such namespace, value, class or job. */
  public static final class NotFound extends ApiException {
    private static final long serialVersionUID = 1L;

    public NotFound(String field, String message) {
      super(field, message);
    }

    @Override
    public int status() {
      return 404;
    }

    @Override
    public String error() {
      return "not_found";
    }
  }

  /** 409: the request is well formed but conflicts with the state (e.g. a finished job). */
  public static final class Conflict extends ApiException {
    private static final long serialVersionUID = 1L;

    public Conflict(String field, String message) {
      super(field, message);
    }

    @Override
    public int status() {
      return 409;
    }

    @Override
    public String error() {
      return "conflict";
    }
  }
}
