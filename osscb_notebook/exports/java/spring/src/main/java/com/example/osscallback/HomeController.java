package com.example.osscallback;

import jakarta.servlet.http.HttpSession;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The rest of the app (a stand-in for yours): a session-backed page and a form POST that CSRF
 * protects. Delete it when you move the callback controller into your own app. */
@RestController
public class HomeController {
    @GetMapping("/")
    public Map<String, Object> home(HttpSession session) {
        Integer visits = (Integer) session.getAttribute("visits");
        visits = visits == null ? 1 : visits + 1;
        session.setAttribute("visits", visits);
        return Map.of("app", "oss-callback", "visits", visits);
    }

    @PostMapping("/notes")
    public Map<String, String> note(@RequestParam String text) {
        return Map.of("saved", text);
    }
}
