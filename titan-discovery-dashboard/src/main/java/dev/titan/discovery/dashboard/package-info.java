/**
 * A live registry dashboard: {@link dev.titan.discovery.dashboard.DashboardServer} serves one
 * static page (HTML, CSS and vanilla JavaScript from this jar, no build step, no CDN) and keeps
 * it current with Server-Sent Events fed by a discovery service's push-updated {@link
 * dev.titan.discovery.RegistryView}. Operators can drain a node, take it out of service or put it
 * back UP, with a bearer token and a reason that goes into the dashboard's event log.
 */
@NullMarked
package dev.titan.discovery.dashboard;

import org.jspecify.annotations.NullMarked;
