"""BuzzDaily Hub's article page: a content farm on an old table/<font> theme, a comment form."""

from __future__ import annotations

from demo.content import SOURCE_LINK
from demo.templates.base import ArticleView, Chrome, e, link_list, paragraphs


def farm_article(c: Chrome, v: ArticleView) -> str:
    """Tables and <font>, Yoast-style meta tags, rotating ad ids, "Leave a Reply" form."""
    byline = f"Posted by {e(v.author)} on " if v.author else "Posted on "
    blocks = _blocks(v)
    ads = [
        f'<div id="div-gpt-ad-{ad}" class="ad-unit" data-slot="{ad}">'
        '<font size="1">Advertisement</font></div>'
        for ad in v.ad_ids
    ]
    return (
        _head(c, v)
        + f"""<body bgcolor="#ffffff" text="#000000" link="#003399">
<table width="100%" cellpadding="0" cellspacing="0" border="0">
<tr><td colspan="2" class="header" bgcolor="#ffcc00">
<font face="Verdana" size="5"><b>{e(c.name)}</b></font><br>
<font face="Verdana" size="1"><ul class="menu">{c.nav}</ul></font></td></tr>
<tr><td valign="top" width="70%" class="content-cell">
<div class="post hentry" id="post-{v.post_id}">
<h1 class="entry-title"><font face="Georgia">{e(v.title)}</font></h1>
<font size="1" color="#666666">{byline}{v.published:%B} {v.published.day}, {v.published.year}</font>
<div class="entry-content">
{chr(10).join(blocks)}
</div>
<div class="ad-container">{"".join(ads[:-1])}</div>
</div>
{_comments(c)}</td>
<td valign="top" class="sidebar" bgcolor="#f4f4f4">
<font face="Verdana" size="2"><b>{e(c.boilerplate[3])}</b></font>
<ul class="popular">{link_list(v.most_read, "popular-item")}</ul>
<div class="widget-subscribe"><font size="1">{e(c.boilerplate[4])}</font></div>
{"".join(ads[-1:])}
</td></tr>
<tr><td colspan="2" class="footer"><ul>{c.footer_links}</ul>
<font size="1">{e(c.boilerplate[5])}</font></td></tr>
</table>
</body>
</html>
"""
    )


def _head(c: Chrome, v: ArticleView) -> str:
    author_meta = f'<meta name="author" content="{e(v.author)}">' if v.author else ""
    return f"""<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta http-equiv="content-language" content="en">
<title>{e(v.title)} &#8211; {e(c.name)}</title>
{author_meta}
<meta property="og:title" content="{e(v.title)}">
<meta property="og:site_name" content="{e(c.name)}">
<meta property="article:published_time" content="{v.published.isoformat()}">
<link rel="canonical" href="{e(v.url)}">
<style type="text/css">{c.css}</style>
<script type="text/javascript">{c.script}</script>
</head>
"""


def _blocks(v: ArticleView) -> list[str]:
    """The body in <font> tags; the farm links its "Source link" line to the original."""
    blocks = []
    for b in v.blocks:
        if b.kind == SOURCE_LINK and v.source_url:
            blocks.append(
                f'<p><a href="{e(v.source_url)}" rel="nofollow noopener">{e(b.text)}</a></p>'
            )
        else:
            blocks.extend(paragraphs([b], '<p><font face="Georgia" size="3">', "</font></p>"))
    return blocks


def _comments(c: Chrome) -> str:
    """The WordPress "Leave a Reply" form under every post."""
    return f"""<div id="comments" class="comments-area">
<div id="respond" class="comment-respond">
<h3 id="reply-title" class="comment-reply-title">{e(c.boilerplate[0])}</h3>
<form action="/wp-comments-post.php" method="post" id="commentform" class="comment-form">
<p class="comment-notes"><span id="email-notes">{e(c.boilerplate[1])}</span>
<span class="required-field-message">{e(c.boilerplate[2])}
<span class="required">*</span></span></p>
<p class="comment-form-comment"><label for="comment">Comment</label>
<textarea id="comment" name="comment" cols="45" rows="8"></textarea></p>
<p class="form-submit">
<input name="submit" type="submit" id="submit" class="submit" value="Post Comment"></p>
</form>
</div>
</div>
"""
