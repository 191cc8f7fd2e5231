package io.occlusion4j.io;

import io.occlusion4j.OcclusionException;

/** An image whose header declares more pixels than the {@link Images.Limits} in force: refused before it is decoded. */
public final class ImageTooLargeException extends OcclusionException {
    private final long width;
    private final long height;

    ImageTooLargeException(String name, long width, long height, long maxPixels, long maxSide) {
        super(name + " is " + width + "x" + height + " (" + width * height + " pixels); the limits are " + maxPixels
                + " pixels and " + maxSide + " pixels a side");
        this.width = width;
        this.height = height;
    }

    public long width() {
        return width;
    }

    public long height() {
        return height;
    }
}
