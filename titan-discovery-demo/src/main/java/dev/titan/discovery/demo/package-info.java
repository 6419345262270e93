/** The runnable demo of the README's first command. */
@NullMarked
package dev.titan.discovery.demo;

import org.jspecify.annotations.NullMarked;
