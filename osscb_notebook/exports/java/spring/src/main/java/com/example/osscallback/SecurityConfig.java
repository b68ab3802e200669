package com.example.osscallback;

import static org.springframework.security.config.Customizer.withDefaults;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;

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
}
