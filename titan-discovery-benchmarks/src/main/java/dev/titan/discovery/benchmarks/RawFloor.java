package dev.titan.discovery.benchmarks;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The redis-benchmark-style floor of the reference's lookup: the same bytes on a plain socket,
 * nothing else. SMEMBERS of the node index (its ids decoded, they are needed for the next
 * commands), then HGETALL + EXISTS per id written in one write, and every reply read and skipped
 * (RESP2 framing walked, no value decoded, no map, no JSON). What no client of these commands can
 * beat on this machine; one lookup at a time.
 */
final class RawFloor implements AutoCloseable {

  private final Socket socket;
  private final OutputStream out;
  private final InputStream in;
  private final byte[] buf = new byte[1 << 16];
  private int pos;
  private int lim;
  private final String prefix;

  /**
   * Connects.
   *
   * @param host the Redis host
   * @param port the Redis port
   * @param prefix the key prefix
   */
  RawFloor(String host, int port, String prefix) {
    this.prefix = prefix;
    try {
      socket = new Socket();
      socket.setTcpNoDelay(true);
      socket.connect(new InetSocketAddress(host, port), 10_000);
      socket.setSoTimeout(60_000);
      out = socket.getOutputStream();
      in = socket.getInputStream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * One lookup's round trips: SMEMBERS, then the pipelined HGETALL + EXISTS of every id.
   *
   * @return the number of ids read
   */
  synchronized int lookup() {
    try {
      ByteArrayOutputStream req = new ByteArrayOutputStream(64);
      command(req, "SMEMBERS", prefix + ":index:nodes");
      req.writeTo(out);
      out.flush();
      List<String> ids = readIds();
      req = new ByteArrayOutputStream(ids.size() * 96 + 16);
      String nodes = prefix + ":nodes:";
      String heartbeat = prefix + ":heartbeat:";
      for (String id : ids) {
        command(req, "HGETALL", nodes + id);
        command(req, "EXISTS", heartbeat + id);
      }
      req.writeTo(out);
      out.flush();
      for (int i = 0, k = ids.size() * 2; i < k; i++) {
        skipReply();
      }
      return ids.size();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void command(ByteArrayOutputStream req, String name, String key) {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    byte[] head = ("*2\r\n$" + name.length() + "\r\n" + name + "\r\n$" + k.length + "\r\n").getBytes(StandardCharsets.US_ASCII);
    req.write(head, 0, head.length);
    req.write(k, 0, k.length);
    req.write('\r');
    req.write('\n');
  }

  private List<String> readIds() throws IOException {
    int type = next();
    long n = readNumber();
    if (type != '*') {
      throw new IOException("SMEMBERS: unexpected reply type " + (char) type);
    }
    List<String> ids = new ArrayList<>((int) Math.max(n, 0));
    for (long i = 0; i < n; i++) {
      if (next() != '$') {
        throw new IOException("SMEMBERS: unexpected member type");
      }
      int len = (int) readNumber();
      byte[] b = new byte[len];
      for (int j = 0; j < len; j++) {
        b[j] = (byte) next();
      }
      skip(2);
      ids.add(new String(b, StandardCharsets.UTF_8));
    }
    return ids;
  }

  private void skipReply() throws IOException {
    int type = next();
    switch (type) {
      case '*' -> {
        long n = readNumber();
        for (long i = 0; i < n; i++) {
          skipReply();
        }
      }
      case '$' -> {
        long len = readNumber();
        if (len >= 0) {
          skip(len + 2);
        }
      }
      case ':', '+' -> skipLine();
      case '-' -> throw new IOException("Redis error reply");
      default -> throw new IOException("unexpected reply type " + (char) type);
    }
  }

  /** Reads a decimal number up to and including its CRLF. */
  private long readNumber() throws IOException {
    long v = 0;
    boolean neg = false;
    int c = next();
    if (c == '-') {
      neg = true;
      c = next();
    }
    while (c != '\r') {
      v = v * 10 + (c - '0');
      c = next();
    }
    next(); // '\n'
    return neg ? -v : v;
  }

  private void skipLine() throws IOException {
    while (next() != '\n') {
      // skip
    }
  }

  private void skip(long n) throws IOException {
    while (n > 0) {
      if (pos == lim) {
        fill();
      }
      int k = (int) Math.min(n, lim - pos);
      pos += k;
      n -= k;
    }
  }

  private int next() throws IOException {
    if (pos == lim) {
      fill();
    }
    return buf[pos++] & 0xff;
  }

  private void fill() throws IOException {
    int r = in.read(buf, 0, buf.length);
    if (r <= 0) {
      throw new IOException("connection closed by Redis");
    }
    pos = 0;
    lim = r;
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closing
    }
  }
}
