using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Kura.Dashboard;

/// <summary>
/// One signed-in browser: the Kura token (a secret that never leaves this process: the browser holds only the
/// random session id in an HttpOnly cookie), who signed in, and a one-shot message for the next page.
/// </summary>
public sealed class DashboardSession(string id, string token, DateTimeOffset expiresAt)
{
    public string Id { get; } = id;

    /// <summary>The Kura token of this session; replaced when the user switches project.</summary>
    public string Token { get; set; } = token;

    public DateTimeOffset ExpiresAt { get; set; } = expiresAt;

    /// <summary>A message for the next page shown (after a redirect), and whether it reports a failure.</summary>
    public (string Text, bool IsError)? Flash { get; set; }
}

/// <summary>
/// The signed-in sessions of this node, in memory, keyed by a 256-bit random id. A session ends with its token
/// (expiry, revocation, sign-out); a restart signs everybody out, which is safe and costs one sign-in.
/// </summary>
public sealed class SessionStore(DashboardOptions options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, DashboardSession> _sessions = new(StringComparer.Ordinal);

    public DashboardSession Create(string token, DateTimeOffset expiresAt)
    {
        Prune();
        var session = new DashboardSession(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_'), token, expiresAt);
        _sessions[session.Id] = session;
        return session;
    }

    public DashboardSession? Find(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 64 || !_sessions.TryGetValue(id, out var session))
        {
            return null;
        }

        if (session.ExpiresAt <= clock.GetUtcNow())
        {
            _sessions.TryRemove(id, out _);
            return null;
        }

        return session;
    }

    public void Remove(string id) => _sessions.TryRemove(id, out _);

    public int Count => _sessions.Count;

    private void Prune()
    {
        var now = clock.GetUtcNow();
        foreach (var (id, session) in _sessions)
        {
            if (session.ExpiresAt <= now)
            {
                _sessions.TryRemove(id, out _);
            }
        }

        while (_sessions.Count >= options.MaxSessions &&
               _sessions.Values.MinBy(s => s.ExpiresAt) is { } oldest)
        {
            _sessions.TryRemove(oldest.Id, out _);
        }
    }
}
