from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.policy import plans_visible_to

PAGE_SIZE = 25


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The plans the user may see, newest activity first (full pages come later)."""
    plans = plans_visible_to(request.user).with_list_data().order_by("-updated_at", "-id")
    page = Paginator(plans, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "plans/home.html", {"page": page})
