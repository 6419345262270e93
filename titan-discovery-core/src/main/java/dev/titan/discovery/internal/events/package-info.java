/** Implementation of Titan Discovery; not an API, may change without notice. */
@NullMarked
package dev.titan.discovery.internal.events;

import org.jspecify.annotations.NullMarked;
