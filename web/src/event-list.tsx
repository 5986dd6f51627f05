import type { LoggedEvent } from './types.js';

export function EventList({ events }: { events: readonly LoggedEvent[] }) {
  return (
    <section>
      <h2>Events</h2>
      <ol class="events">
        {[...events].reverse().map((event, index) => (
          <li key={`${event.at}-${index}`} class={event.severity}>
            <span class="muted">{new Date(event.at).toLocaleTimeString()}</span> {event.message}
          </li>
        ))}
        {events.length === 0 && <li class="muted">nothing yet</li>}
      </ol>
    </section>
  );
}
