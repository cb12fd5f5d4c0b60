package nimbus.flink.s3;

import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import nimbus.aws.S3Client;
import org.apache.flink.core.fs.BlockLocation;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.fs.RecoverableWriter;
import org.apache.flink.core.fs.local.LocalBlockLocation;

/** One bucket of nimbus S3 as a Flink filesystem: objects are files, key prefixes up to a "/" directories
 * (which exist while an object is under them; mkdirs needs no marker). */
final class S3FileSystem extends FileSystem {
    private final URI uri;
    private final String bucket;
    private final S3Client s3;
    private final java.nio.file.Path stagingDir;

    S3FileSystem(URI uri, S3Client s3, java.nio.file.Path stagingDir) {
        this.uri = uri;
        this.bucket = uri.getAuthority();
        this.s3 = s3;
        this.stagingDir = stagingDir;
    }

    static String key(Path path) {
        String key = path.toUri().getPath();
        return key.startsWith("/") ? key.substring(1) : key;
    }

    private Path pathOf(String key) {
        return new Path(uri.getScheme() + "://" + bucket + "/" + key);
    }

    @Override
    public Path getWorkingDirectory() {
        return new Path(uri);
    }

    @Override
    public Path getHomeDirectory() {
        return new Path(uri);
    }

    @Override
    public URI getUri() {
        return uri;
    }

    @Override
    public boolean isDistributedFS() {
        return true;
    }

    @Override
    public FileStatus getFileStatus(Path path) throws IOException {
        String key = key(path);
        if (key.isEmpty()) {
            return new ObjectStatus(pathOf(""), 0, 0, true);
        }
        if (!key.endsWith("/")) {
            for (S3Client.Listed entry : s3.list(bucket, key, false, 1)) {
                if (entry.key.equals(key)) {
                    return new ObjectStatus(pathOf(key), entry.size, entry.modified, false);
                }
            }
        }
        String dir = key.endsWith("/") ? key : key + "/";
        if (!s3.list(bucket, dir, true, 1).isEmpty()) {
            return new ObjectStatus(pathOf(dir.substring(0, dir.length() - 1)), 0, 0, true);
        }
        throw new FileNotFoundException("No such file or directory: " + path);
    }

    /** The status of a path, or null when there is nothing there. */
    private FileStatus find(Path path) throws IOException {
        try {
            return getFileStatus(path);
        } catch (FileNotFoundException e) {
            return null;
        }
    }

    @Override
    public FileStatus[] listStatus(Path path) throws IOException {
        FileStatus status = find(path);
        if (status == null) {
            return null;  // Flink's contract for a missing path
        }
        if (!status.isDir()) {
            return new FileStatus[] {status};
        }
        String key = key(path);
        String prefix = key.isEmpty() || key.endsWith("/") ? key : key + "/";
        List<FileStatus> found = new ArrayList<>();
        for (S3Client.Listed entry : s3.list(bucket, prefix, true, 0)) {
            if (entry.commonPrefix) {
                found.add(new ObjectStatus(pathOf(entry.key.substring(0, entry.key.length() - 1)), 0, 0, true));
            } else if (!entry.key.equals(prefix)) {
                found.add(new ObjectStatus(pathOf(entry.key), entry.size, entry.modified, false));
            }
        }
        return found.toArray(new FileStatus[0]);
    }

    @Override
    public BlockLocation[] getFileBlockLocations(FileStatus file, long start, long len) {
        return new BlockLocation[] {new LocalBlockLocation(file.getLen())};
    }

    @Override
    public FSDataInputStream open(Path path, int bufferSize) throws IOException {
        return open(path);
    }

    @Override
    public FSDataInputStream open(Path path) throws IOException {
        S3Client.Response response = s3.call("GET", bucket, key(path));
        if (response.status == 404) {
            throw new FileNotFoundException("No such file: " + path);
        }
        return new BytesInputStream(response.body);
    }

    @Override
    public FSDataOutputStream create(Path path, WriteMode mode) throws IOException {
        if (mode == WriteMode.NO_OVERWRITE && exists(path)) {
            throw new IOException("File already exists: " + path);
        }
        String key = key(path);
        return new FSDataOutputStream() {
            private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            private boolean closed;

            @Override
            public void write(int b) {
                buffer.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                buffer.write(b, off, len);
            }

            @Override
            public long getPos() {
                return buffer.size();
            }

            @Override
            public void flush() {}

            @Override
            public void sync() {}

            @Override
            public void close() throws IOException {
                if (!closed) {
                    closed = true;
                    put(key, buffer.toByteArray());
                }
            }
        };
    }

    void put(String key, byte[] body) throws IOException {
        s3.call("PUT", bucket, key, Collections.emptyMap(), body, Collections.emptyMap());
    }

    boolean objectExists(String key) throws IOException {
        return s3.call("HEAD", bucket, key).status == 200;
    }

    @Override
    public boolean rename(Path source, Path target) throws IOException {
        FileStatus status = find(source);
        if (status == null) {
            return false;
        }
        String from = key(source);
        String to = key(target);
        if (!status.isDir()) {
            s3.copy(bucket, from, to);
            s3.call("DELETE", bucket, from);
            return true;
        }
        for (S3Client.Listed entry : s3.list(bucket, from + "/", false, 0)) {
            s3.copy(bucket, entry.key, to + "/" + entry.key.substring(from.length() + 1));
            s3.call("DELETE", bucket, entry.key);
        }
        return true;
    }

    @Override
    public boolean delete(Path path, boolean recursive) throws IOException {
        FileStatus status = find(path);
        if (status == null) {
            return false;
        }
        String key = key(path);
        if (!status.isDir()) {
            s3.call("DELETE", bucket, key);
            return true;
        }
        List<S3Client.Listed> entries = s3.list(bucket, key.isEmpty() ? "" : key + "/", false, 0);
        if (!entries.isEmpty() && !recursive) {
            throw new IOException("Directory " + path + " is not empty");
        }
        for (S3Client.Listed entry : entries) {
            s3.call("DELETE", bucket, entry.key);
        }
        return true;
    }

    @Override
    public boolean mkdirs(Path path) {
        return true;
    }

    @Override
    public RecoverableWriter createRecoverableWriter() {
        return new StagedObjectWriter(this, stagingDir);
    }

    /** An object or a key prefix. */
    private static final class ObjectStatus implements FileStatus {
        private final Path path;
        private final long length;
        private final long modified;
        private final boolean dir;

        ObjectStatus(Path path, long length, long modified, boolean dir) {
            this.path = path;
            this.length = length;
            this.modified = modified;
            this.dir = dir;
        }

        @Override public long getLen() { return length; }
        @Override public long getBlockSize() { return 64L << 20; }
        @Override public short getReplication() { return 1; }
        @Override public long getModificationTime() { return modified; }
        @Override public long getAccessTime() { return 0; }
        @Override public boolean isDir() { return dir; }
        @Override public Path getPath() { return path; }
    }

    /** A whole object in memory, seekable as Flink's readers need. */
    private static final class BytesInputStream extends FSDataInputStream {
        private final byte[] data;
        private int position;

        BytesInputStream(byte[] data) {
            this.data = data;
        }

        @Override
        public void seek(long desired) throws IOException {
            if (desired < 0 || desired > data.length) {
                throw new java.io.EOFException("Cannot seek to " + desired);
            }
            position = (int) desired;
        }

        @Override
        public long getPos() {
            return position;
        }

        @Override
        public int read() {
            return position < data.length ? data[position++] & 0xff : -1;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            if (length == 0) {
                return 0;
            }
            if (position >= data.length) {
                return -1;
            }
            int n = Math.min(length, data.length - position);
            System.arraycopy(data, position, buffer, offset, n);
            position += n;
            return n;
        }

        @Override
        public int available() {
            return data.length - position;
        }
    }
}
