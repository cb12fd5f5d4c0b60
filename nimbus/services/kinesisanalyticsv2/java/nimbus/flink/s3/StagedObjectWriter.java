package nimbus.flink.s3;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.util.UUID;

import org.apache.flink.core.fs.Path;
import org.apache.flink.core.fs.RecoverableFsDataOutputStream;
import org.apache.flink.core.fs.RecoverableWriter;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * Exactly-once object writes, as Flink's file sinks need them: a part file is written to a local staging
 * file; a checkpoint records the staging file and how many bytes it then held ({@link StagedObject}); a
 * part that is done becomes an object (one PutObject of those bytes) only when the checkpoint that holds it
 * completes. Nothing is visible in S3 before that, and a restore commits the in-progress part of its
 * checkpoint as it was then (this writer does not resume parts, so Flink commits them on restore; bytes
 * written after the checkpoint are ignored, and replayed into a new part).
 */
final class StagedObjectWriter implements RecoverableWriter {
    private final S3FileSystem fs;
    private final java.nio.file.Path stagingDir;

    StagedObjectWriter(S3FileSystem fs, java.nio.file.Path stagingDir) {
        this.fs = fs;
        this.stagingDir = stagingDir;
    }

    @Override
    public RecoverableFsDataOutputStream open(Path path) throws IOException {
        Files.createDirectories(stagingDir);
        java.nio.file.Path staging = stagingDir.resolve(UUID.randomUUID().toString());
        return new StagedObjectStream(fs, S3FileSystem.key(path), staging);
    }

    @Override
    public RecoverableFsDataOutputStream recover(ResumeRecoverable resumable) {
        throw new UnsupportedOperationException("nimbus's S3 writer commits in-progress parts on restore");
    }

    @Override
    public boolean requiresCleanupOfRecoverableState() {
        return false;
    }

    @Override
    public boolean cleanupRecoverableState(ResumeRecoverable resumable) {
        return false;
    }

    @Override
    public RecoverableFsDataOutputStream.Committer recoverForCommit(CommitRecoverable recoverable) {
        return new StagedObjectStream.Commit(fs, (StagedObject) recoverable);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    @Override
    public SimpleVersionedSerializer<CommitRecoverable> getCommitRecoverableSerializer() {
        return (SimpleVersionedSerializer) StagedObject.SERIALIZER;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    @Override
    public SimpleVersionedSerializer<ResumeRecoverable> getResumeRecoverableSerializer() {
        return (SimpleVersionedSerializer) StagedObject.SERIALIZER;
    }

    @Override
    public boolean supportsResume() {
        return false;
    }

    /** A part as a checkpoint saw it: its object key, its staging file, and the bytes it held then. */
    static final class StagedObject implements ResumeRecoverable {
        static final SimpleVersionedSerializer<StagedObject> SERIALIZER = new SimpleVersionedSerializer<>() {
            @Override
            public int getVersion() {
                return 1;
            }

            @Override
            public byte[] serialize(StagedObject object) throws IOException {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                try (DataOutputStream out = new DataOutputStream(bytes)) {
                    out.writeUTF(object.key);
                    out.writeUTF(object.staging);
                    out.writeLong(object.length);
                }
                return bytes.toByteArray();
            }

            @Override
            public StagedObject deserialize(int version, byte[] serialized) throws IOException {
                try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
                    return new StagedObject(in.readUTF(), in.readUTF(), in.readLong());
                }
            }
        };

        final String key;
        final String staging;
        final long length;

        StagedObject(String key, String staging, long length) {
            this.key = key;
            this.staging = staging;
            this.length = length;
        }
    }
}
