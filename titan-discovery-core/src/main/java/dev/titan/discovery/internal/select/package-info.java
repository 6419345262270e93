/**
 * Implementation of {@link dev.titan.discovery.ServiceSelector}: candidate snapshots, strategies,
 * per-instance statistics, outlier ejection and refreshing the list of instances. Not an API, may
 * change without notice.
 */
@NullMarked
package dev.titan.discovery.internal.select;

import org.jspecify.annotations.NullMarked;
