"""What happened, for whoever needs to know: services send these after a state change, in the
transaction that made it; features such as notifications and search subscribe. A service never
imports a subscriber, so features stay independent of one another.

Each signal's sender is the object changed; keyword arguments name the rest.
"""

from blinker import Namespace

_signals = Namespace()

amendment_proposed = _signals.signal("amendment-proposed")  # sender: Amendment
amendment_edited = _signals.signal("amendment-edited")  # sender: Amendment
amendment_withdrawn = _signals.signal("amendment-withdrawn")  # sender: Amendment
amendment_answered = _signals.signal("amendment-answered")  # sender: Amendment; moderator, previous
amendment_supported = _signals.signal("amendment-supported")  # sender: Amendment; supporter
amendment_incorporated = _signals.signal("amendment-incorporated")  # sender: Amendment; moderator, article
comment_posted = _signals.signal("comment-posted")  # sender: Comment
comment_edited = _signals.signal("comment-edited")  # sender: Comment
comment_deleted = _signals.signal("comment-deleted")  # sender: Comment (by its author)
contribution_hidden = _signals.signal("contribution-hidden")  # sender: Amendment | Comment; moderator, reason
contribution_restored = _signals.signal("contribution-restored")  # sender: Amendment | Comment; moderator, reason
report_filed = _signals.signal("report-filed")  # sender: Report; target
round_created = _signals.signal("round-created")  # sender: Round; actor
round_closed = _signals.signal("round-closed")  # sender: Round; actor (closed early)
version_created = _signals.signal("version-created")  # sender: Version (imported draft or consolidation)
version_published = _signals.signal("version-published")  # sender: Version; actor
