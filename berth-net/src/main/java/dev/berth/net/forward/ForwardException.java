package dev.berth.net.forward;

/** A forward that cannot be set up or removed; the message is gvproxy's where it has one. */
public class ForwardException extends Exception {

  private static final long serialVersionUID = 1L;

  public ForwardException(String message) {
    super(message);
  }

  public ForwardException(String message, Throwable cause) {
    super(message, cause);
  }

  /** A request the caller is not allowed to make (HTTP 403), as opposed to one that failed. */
  public static final class Refused extends ForwardException {
    private static final long serialVersionUID = 1L;

    public Refused(String message) {
      super(message);
    }
  }
}
