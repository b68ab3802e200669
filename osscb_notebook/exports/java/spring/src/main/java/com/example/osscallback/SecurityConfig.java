package com.example.osscallback;

import static org.springframework.security.config.Customizer.withDefaults;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.firewall.HttpFirewall;
import org.springframework.security.web.firewall.StrictHttpFirewall;

/** Spring Security as a real app has it (CSRF, sessions, a login for everything else), with the
 * OSS callback paths exempted from CSRF in the documented way and open without a login: OSS sends
 * neither a CSRF token nor a session cookie; its RSA signature is the callback's authentication. */
@Configuration
public class SecurityConfig {
    @Bean
    SecurityFilterChain filterChain(HttpSecurity http) throws Exception {
        String[] callbacks = OssCallbackController.callbackPaths();
        http.csrf(csrf -> csrf.ignoringRequestMatchers(callbacks))
            .authorizeHttpRequests(auth -> auth
                    .requestMatchers(callbacks).permitAll()
                    .requestMatchers("/", "/error").permitAll()
                    .anyRequest().authenticated())
            .formLogin(withDefaults());
        return http.build();
    }

    /** Spring Security's default firewall answers 400 to a path holding an encoded '%' ("%25"): a
     * callbackUrl whose path has one (OSS signs the path as written there) would never reach the
     * controller. The controller verifies over the raw request URI and decodes it once, so only
     * that rule is relaxed; the firewall's other refusals (encoded '/', '..', '//') stay. */
    @Bean
    HttpFirewall httpFirewall() {
        StrictHttpFirewall firewall = new StrictHttpFirewall();
        firewall.setAllowUrlEncodedPercent(true);
        return firewall;
    }
}
