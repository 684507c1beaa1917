package dev.berth.net.forward;

/** A forward that cannot be set up or removed; the message is gvproxy's where it has one. */
public final class ForwardException extends Exception {

    private static final long serialVersionUID = 1L;

    public ForwardException(String message) {
        super(message);
    }

    public ForwardException(String message, Throwable cause) {
        super(message, cause);
    }
}
