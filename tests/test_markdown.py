from consult.text.markdown import render_markdown


def test_markdown_is_rendered():
    html = render_markdown("Some **bold** text\n\n1. one\n2. two")
    assert "<strong>bold</strong>" in html and "<ol>" in html


def test_raw_html_never_survives_as_markup():
    html = render_markdown('<script>alert(1)</script> <b onclick="x()">b</b> <iframe src="x"></iframe>')
    assert "<script" not in html and "<b" not in html and "<iframe" not in html
    assert "&lt;script&gt;" in html


def test_only_http_https_and_mailto_links_survive_with_rel():
    html = render_markdown("[a](javascript:alert(1)) [b](https://uclg.org) [c](mailto:x@y.org) [d](data:text/html,x)")
    assert "javascript:" not in html.replace("[a](javascript:alert(1))", "")
    assert 'href="javascript' not in html and 'href="data' not in html
    assert '<a href="https://uclg.org" rel="nofollow noopener">b</a>' in html
    assert 'href="mailto:x@y.org"' in html


def test_no_images_from_elsewhere():
    html = render_markdown("![tracker](https://evil.example/pixel.png)")
    assert "<img" not in html and "evil.example" not in html


def test_headings_sit_below_the_page_heading():
    assert "<h3>Title</h3>" in render_markdown("# Title")
