/** Real redis-server processes for tests, demos and benchmarks. */
@NullMarked
package dev.titan.discovery.testkit;

import org.jspecify.annotations.NullMarked;
