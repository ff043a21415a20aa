// The server's /control endpoint: makes it misbehave for one client tag, or restart.

/**
 * Asks for `action` (`drop`, `silent`, `close`, `restart`) on the connections tagged
 * `clientId`; resolves to how many connections it affected, rejects with the server's
 * explanation.
 */
export async function askServer(clientId, action, parameters = {}) {
  const query = new URLSearchParams({ client: clientId, action, ...parameters });
  const response = await fetch(`/control?${query}`, { method: "POST", cache: "no-store" });
  const body = await response.text();
  if (!response.ok) throw new Error(body.trim() || `HTTP ${response.status}`);
  return JSON.parse(body).affected;
}
