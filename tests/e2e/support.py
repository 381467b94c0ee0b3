"""What the browser journeys share: checking a page at each width as it stands."""

DESKTOP, PHONE = 1280, 360
WIDTHS = (DESKTOP, PHONE)
HEIGHT = 900


def at_each_width(page, check, widths=WIDTHS) -> None:
    """`check(width)` on the page as it stands, the window resized to each of `widths`
    (the layout is the style sheet's, read afresh: media queries apply as the window
    changes, as on a phone turned sideways), then back to the first width."""
    for width in widths:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        check(width)
    page.set_viewport_size({"width": widths[0], "height": HEIGHT})
