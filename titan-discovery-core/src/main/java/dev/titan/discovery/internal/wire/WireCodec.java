package dev.titan.discovery.internal.wire;

import dev.titan.discovery.DiscoveryEvent;
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
    return MAPPER.writeValueAsString(map);
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
   * read as empty, missing services as none, a missing timestamp as 0.
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
      return new DiscoveryEvent(type, nodeId.stringValue(), addr, services, timestamp);
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
