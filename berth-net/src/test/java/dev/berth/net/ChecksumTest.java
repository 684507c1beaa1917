package dev.berth.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.net.stack.Checksum;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ChecksumTest {

  @Test
  void matchesRfc1071Example() {
    ByteBuffer b =
        ByteBuffer.wrap(
            new byte[] {
              0x00, 0x01, (byte) 0xf2, 0x03, (byte) 0xf4, (byte) 0xf5, (byte) 0xf6, (byte) 0xf7
            });
    // RFC 1071 §3: the sum of these words is ddf2; the checksum is its complement.
    assertThat(Checksum.finish(Checksum.add(b, 0, 8, 0))).isEqualTo(~0xddf2 & 0xffff);
  }

  @Test
  void equalsTheWordByWordSumForEveryLengthAndOffset() {
    Random r = new Random(7);
    byte[] data = new byte[300];
    r.nextBytes(data);
    ByteBuffer b = ByteBuffer.allocateDirect(data.length).put(data);
    for (int offset = 0; offset < 9; offset++) {
      for (int length = 0; length + offset <= data.length; length++) {
        long plain = 0;
        for (int i = 0; i < length; i += 2) {
          int hi = data[offset + i] & 0xff;
          int lo = i + 1 < length ? data[offset + i + 1] & 0xff : 0;
          plain += hi << 8 | lo;
        }
        assertThat(Checksum.finish(Checksum.add(b, offset, length, 0)))
            .isEqualTo(Checksum.finish(plain));
      }
    }
  }
}
