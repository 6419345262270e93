/** Query matching: npm semver ranges. Internal: may change without notice. */
@NullMarked
package dev.titan.discovery.internal.query;

import org.jspecify.annotations.NullMarked;
