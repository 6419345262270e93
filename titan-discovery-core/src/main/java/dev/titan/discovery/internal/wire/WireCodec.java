package dev.titan.discovery.internal.wire;

import dev.titan.discovery.DiscoveryEvent;
import dev.titan.discovery.NodeStatus;
import dev.titan.discovery.ServiceInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The JSON of the wire format, as the TypeScript implementation writes it with {@code
 * JSON.stringify}: services are {@code [{"name":"a","version":"1"},{"name":"b"}]} (no {@code
 * version} key when there is none) and events have the keys {@code type, nodeId, address,
 * services, timestamp} in that order.
 */
public final class WireCodec {

  private static final ObjectMapper MAPPER = JsonMapper.builder().build();

  private WireCodec() {}

  /**
   * Encodes services exactly as {@code JSON.stringify} does.
   *
   * @param services the services
   * @return the JSON array
   */
  public static String encodeServices(List<ServiceInfo> services) {
    List<Map<String, String>> list = new ArrayList<>(services.size());
    for (ServiceInfo s : services) {
      list.add(serviceMap(s));
    }
    return MAPPER.writeValueAsString(list);
  }

  /**
   * Encodes an event exactly as the TypeScript implementation publishes it.
   *
   * @param event the event
   * @return the JSON object
   */
  public static String encodeEvent(DiscoveryEvent event) {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("type", event.type().name());
    map.put("nodeId", event.nodeId());
    map.put("address", event.address());
    List<Map<String, String>> services = new ArrayList<>();
    for (ServiceInfo s : event.services()) {
      services.add(serviceMap(s));
    }
    map.put("services", services);
    map.put("timestamp", event.timestamp());
    if (event.status() != NodeStatus.UP) {
      map.put("status", event.status().name());
    }
    if (!event.metadata().isEmpty()) {
      map.put("metadata", event.metadata());
    }
    return MAPPER.writeValueAsString(map);
  }

  /**
   * Encodes metadata as a JSON object with its keys in order, as stored in a node's {@code
   * metadata} hash field and published in events.
   *
   * @param metadata the metadata
   * @return the JSON object, or the empty string for no metadata (the field is then absent)
   */
  public static String encodeMetadata(Map<String, String> metadata) {
    return metadata.isEmpty() ? "" : MAPPER.writeValueAsString(new java.util.TreeMap<>(metadata));
  }

  /**
   * Decodes a node's stored metadata leniently: what is not a JSON object of strings is read as
   * no metadata (a reader never fails on what another writer stored; non-string values are
   * skipped).
   *
   * @param json the stored text, or null when absent
   * @return the metadata (unmodifiable)
   */
  public static Map<String, String> decodeMetadata(@Nullable String json) {
    if (json == null || json.isEmpty()) {
      return Map.of();
    }
    try {
      return metadata(MAPPER.readTree(json));
    } catch (JacksonException | IllegalArgumentException e) {
      return Map.of();
    }
  }

  private static Map<String, String> metadata(@Nullable JsonNode node) {
    if (node == null || !node.isObject() || node.isEmpty()) {
      return Map.of();
    }
    Map<String, String> out = new java.util.TreeMap<>();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      if (e.getValue().isString()) {
        out.put(e.getKey(), e.getValue().stringValue());
      }
    }
    return out;
  }

  private static Map<String, String> serviceMap(ServiceInfo s) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("name", s.name());
    if (s.version() != null) {
      m.put("version", s.version());
    }
    return m;
  }

  /**
   * Decodes a services array. Returns null when the text is not a JSON array of objects that
   * each have a string {@code name} (and a string or absent/null {@code version}). Names and
   * versions are taken as written, whatever characters they hold: the TypeScript implementation
   * accepts any string, and a node must not vanish from reads for it.
   *
   * @param json the JSON text
   * @return the services, or null when malformed
   */
  public static @Nullable List<ServiceInfo> decodeServices(@Nullable String json) {
    if (json == null) {
      return null;
    }
    try {
      return services(MAPPER.readTree(json));
    } catch (JacksonException | IllegalArgumentException e) {
      return null;
    }
  }

  /**
   * Decodes an event. Returns null when the text is not an event: not a JSON object, unknown
   * {@code type}, missing or invalid {@code nodeId}, or malformed services. A missing address is
   * read as empty, missing services as none, a missing timestamp as 0, a missing or unknown
   * {@code status} as UP, a missing or malformed {@code metadata} as none.
   *
   * @param json the JSON text
   * @return the event, or null when malformed
   */
  public static @Nullable DiscoveryEvent decodeEvent(String json) {
    try {
      JsonNode root = MAPPER.readTree(json);
      if (root == null || !root.isObject()) {
        return null;
      }
      DiscoveryEvent.Type type = type(root.get("type"));
      JsonNode nodeId = root.get("nodeId");
      if (type == null || nodeId == null || !nodeId.isString() || nodeId.stringValue().isEmpty()) {
        return null;
      }
      JsonNode address = root.get("address");
      String addr = "";
      if (address != null && !address.isNull()) {
        if (!address.isString()) {
          return null;
        }
        addr = address.stringValue();
      }
      JsonNode servicesNode = root.get("services");
      List<ServiceInfo> services = List.of();
      if (servicesNode != null && !servicesNode.isNull()) {
        services = services(servicesNode);
        if (services == null) {
          return null;
        }
      }
      JsonNode ts = root.get("timestamp");
      long timestamp = 0;
      if (ts != null && ts.isNumber() && ts.canConvertToLong()) {
        timestamp = ts.longValue();
      } else if (ts != null && ts.isString()) {
        try {
          timestamp = Long.parseLong(ts.stringValue());
        } catch (NumberFormatException e) {
          timestamp = 0;
        }
      }
      JsonNode status = root.get("status");
      NodeStatus st = NodeStatus.fromWire(status != null && status.isString() ? status.stringValue() : null);
      return new DiscoveryEvent(type, nodeId.stringValue(), addr, services, timestamp, st, metadata(root.get("metadata")));
    } catch (JacksonException | IllegalArgumentException e) {
      return null;
    }
  }

  private static DiscoveryEvent.@Nullable Type type(@Nullable JsonNode node) {
    if (node == null || !node.isString()) {
      return null;
    }
    for (DiscoveryEvent.Type t : DiscoveryEvent.Type.values()) {
      if (t.name().equals(node.stringValue())) {
        return t;
      }
    }
    return null;
  }

  private static @Nullable List<ServiceInfo> services(@Nullable JsonNode node) {
    if (node == null || !node.isArray()) {
      return null;
    }
    List<ServiceInfo> out = new ArrayList<>(node.size());
    for (JsonNode s : node) {
      if (!s.isObject()) {
        return null;
      }
      JsonNode name = s.get("name");
      JsonNode version = s.get("version");
      if (name == null || !name.isString()) {
        return null;
      }
      String v = null;
      if (version != null && !version.isNull()) {
        if (!version.isString()) {
          return null;
        }
        v = version.stringValue();
      }
      out.add(new ServiceInfo(name.stringValue(), v));
    }
    return List.copyOf(out);
  }
}
